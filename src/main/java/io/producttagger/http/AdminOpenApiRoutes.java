package io.producttagger.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;

/** {@code GET /admin/v1/openapi.yaml}: the OpenAPI 3 description of the admin API, behind the admin token. */
public final class AdminOpenApiRoutes implements RouteProvider {

    /** The classpath resource of the admin API's OpenAPI document. */
    static final String DOCUMENT = "/admin-openapi.yaml";

    private final Buffer document;

    /** Reads the admin OpenAPI document from the jar. */
    public AdminOpenApiRoutes() {
        this.document = Buffer.buffer(OpsRoutes.classpathText(DOCUMENT));
    }

    @Override
    public void addRoutes(Router router) {
        router.get("/admin/v1/openapi.yaml").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/yaml").end(document));
    }
}
