package io.producttagger.http;

import io.vertx.ext.web.Router;
import java.util.List;

/**
 * One HTTP resource (or one cross-cutting handler, such as the admin token check) that adds its routes to a
 * listener's router; a listener is given its providers in order, so a new resource is one new class plus its
 * place in the composition root's list, with no edit to the listener.
 */
public interface RouteProvider {

    /** Adds this provider's routes (or handlers) to the router; called once, on the listener's event loop. */
    void addRoutes(Router router);

    /**
     * Returns the paths this provider serves static files at (a web console's page, script and style): listed
     * apart from the API's routes, which the OpenAPI documents describe.
     */
    default List<String> filePaths() {
        return List.of();
    }
}
