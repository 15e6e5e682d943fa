package io.producttagger.http;

import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A router's routes as {@code METHOD /path}, the form tests compare with the OpenAPI documents. */
final class RouteList {

    private RouteList() {}

    /**
     * Returns each method and path a router serves, with OpenAPI-style {@code {param}} placeholders, sorted;
     * routes without a path or method (handlers for every request) are left out. A path served by two routes
     * (one per media type) appears twice.
     */
    static List<String> of(Router router) {
        List<String> out = new ArrayList<>();
        for (Route r : router.getRoutes()) {
            if (r.getPath() == null || r.methods() == null) {
                continue;
            }
            String path = r.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
            r.methods().forEach(m -> out.add(m.name() + " " + path));
        }
        Collections.sort(out);
        return out;
    }

    /**
     * Returns {@link #of(Router)} kept to the routes whose path is among {@code paths} ({@code among} true) or
     * is not ({@code among} false): a listener's API and its web console's files, listed apart.
     */
    static List<String> of(Router router, List<String> paths, boolean among) {
        return of(router).stream().filter(r -> paths.contains(r.split(" ", 2)[1]) == among).toList();
    }
}
