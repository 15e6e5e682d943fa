package io.producttagger.http;

import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;

/** How a route answers with JSON: the one place that sets the status, the media type and the body. */
final class JsonReplies {

    private JsonReplies() {}

    /**
     * Runs {@code action} on {@code pool} (it reads files or loads models, so never on the event loop) and answers
     * 200 with its result; a failure goes to the failure handler.
     */
    static void fromPool(WorkerExecutor pool, RoutingContext ctx, Callable<?> action) {
        pool.executeBlocking(action, false).onSuccess(body -> send(ctx, 200, body)).onFailure(ctx::fail);
    }

    /** Answers with {@code body}: a {@link JsonObject} as it is, a record or map as Jackson writes it. */
    static void send(RoutingContext ctx, int status, Object body) {
        JsonObject o = body instanceof JsonObject j ? j : JsonObject.mapFrom(body);
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(o.encode());
    }
}
