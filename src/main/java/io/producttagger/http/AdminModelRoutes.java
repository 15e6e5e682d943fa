package io.producttagger.http;

import io.producttagger.model.Promotions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;

/**
 * {@code /admin/v1/models}: every model with its versions, metrics and serving version (what the console's models
 * page shows, on the admin listener so the console never calls another origin); {@code /admin/v1/models/{name}}:
 * promote a version (loaded and warmed before the swap, so requests in flight
 * finish on the old one), roll back to the previous serving version, and read the promotion history.
 */
public final class AdminModelRoutes implements RouteProvider {

    private final Promotions promotions;
    private final WorkerExecutor pool;

    /** Creates the routes over the promotions, running their file work on {@code pool}. */
    public AdminModelRoutes(Promotions promotions, WorkerExecutor pool) {
        this.promotions = promotions;
        this.pool = pool;
    }

    @Override
    public void addRoutes(Router router) {
        router.get("/admin/v1/models").handler(ctx -> respond(ctx,
                () -> ModelRoutes.describeAll(promotions.registry())));
        router.post("/admin/v1/models/:name/versions/:version/promote").handler(ctx -> respond(ctx,
                () -> change(ctx.pathParam("name"), promotions.promote(ctx.pathParam("name"),
                        ctx.pathParam("version")))));
        router.post("/admin/v1/models/:name/rollback").handler(ctx -> respond(ctx,
                () -> change(ctx.pathParam("name"), promotions.rollback(ctx.pathParam("name")))));
        router.get("/admin/v1/models/:name/promotions").handler(ctx -> respond(ctx,
                () -> JsonObject.mapFrom(promotions.history(ctx.pathParam("name")))));
    }

    private static JsonObject change(String name, Promotions.Change c) {
        return new JsonObject().put("name", name).put("servingVersion", c.to()).put("change", JsonObject.mapFrom(c));
    }

    private void respond(RoutingContext ctx, Callable<JsonObject> action) {
        JsonReplies.fromPool(pool, ctx, action);
    }
}
