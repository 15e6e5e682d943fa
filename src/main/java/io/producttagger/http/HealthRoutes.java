package io.producttagger.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health}, {@code /health/live} and {@code /health/ready}: ready once the default model is warm, and
 * not while one of its inference workers has failed and its replacement is not yet up.
 */
public final class HealthRoutes implements RouteProvider {

    private final BooleanSupplier ready;

    /** Creates the routes; {@code ready} says whether the default model is loaded, warm and has all its workers. */
    public HealthRoutes(BooleanSupplier ready) {
        this.ready = ready;
    }

    @Override
    public void addRoutes(Router router) {
        router.get("/health/live").handler(ctx -> send(ctx, true));
        router.get("/health/ready").handler(ctx -> send(ctx, ready.getAsBoolean()));
        router.get("/health").handler(ctx -> send(ctx, ready.getAsBoolean()));
    }

    private static void send(RoutingContext ctx, boolean up) {
        ctx.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("status", up ? "UP" : "DOWN").encode());
    }
}
