package io.producttagger.http;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/embed}: one image as the raw body, or several as {@code multipart/form-data} parts, each answered
 * with its L2-normalised embedding (the model's pooled backbone features). The version is the registry's, loaded
 * for {@link ModelOutput#EMBEDDING}: the same batching pool as classification, with the head left out.
 */
public final class EmbedRoutes implements RouteProvider {

    private final TaggerConfig config;
    private final ModelRegistry registry;
    private final WorkerExecutor decodePool;

    /** Creates the routes: models from {@code registry}, decoding on {@code decodePool}, limits from {@code config}. */
    public EmbedRoutes(TaggerConfig config, ModelRegistry registry, WorkerExecutor decodePool) {
        this.config = config;
        this.registry = registry;
        this.decodePool = decodePool;
    }

    @Override
    public void addRoutes(Router router) {
        router.post("/v1/embed")
                .handler(new ImageRequest.BodyIsRaw())
                .handler(BodyHandler.create(false).setBodyLimit(config.server().maxBodyBytes()))
                .handler(this::embed);
    }

    private void embed(RoutingContext ctx) {
        ImageRequest request = ImageRequest.of(ctx, config.server().maxImages());
        String spec = ctx.queryParams().get("model") != null ? ctx.queryParams().get("model")
                : request.fields().get("model");
        decodePool.executeBlocking(() -> registry.acquireAsync(spec, ModelOutput.EMBEDDING), false)
                .compose(leasing -> Future.fromCompletionStage(leasing, ctx.vertx().getOrCreateContext()))
                .compose(lease -> {
                    ServingModel model = lease.model();
                    List<Future<JsonObject>> results = new ArrayList<>();
                    for (ImageRequest.Input in : request.inputs()) {
                        results.add(embedOne(ctx, model, in, request.multipart()));
                    }
                    return Future.join(results).transform(done -> {
                        lease.close();
                        return Future.succeededFuture(answer(model, results));
                    });
                })
                .onSuccess(json -> JsonReplies.send(ctx, 200, json))
                .onFailure(ctx::fail);
    }

    private Future<JsonObject> embedOne(RoutingContext ctx, ServingModel model, ImageRequest.Input in,
            boolean multipart) {
        Future<JsonObject> result = decodePool.executeBlocking(() -> model.preprocess(in.bytes()), false)
                .compose(p -> Future.fromCompletionStage(model.vector(p), ctx.vertx().getOrCreateContext()))
                .map(v -> {
                    JsonArray values = new JsonArray();
                    for (float x : v) {
                        values.add(x);
                    }
                    return new JsonObject().put("name", in.name()).put("embedding", values);
                });
        // a single raw image that fails fails the request; in a multipart request each image fails alone
        return multipart ? result.recover(e -> Future.succeededFuture(
                new JsonObject().put("name", in.name()).put("error", Problem.of(e).toJson()))) : result;
    }

    private static JsonObject answer(ServingModel model, List<Future<JsonObject>> results) {
        JsonArray arr = new JsonArray();
        int dimension = 0;
        for (Future<JsonObject> f : results) {
            if (f.failed()) {
                throw new java.util.concurrent.CompletionException(f.cause());
            }
            JsonArray v = f.result().getJsonArray("embedding");
            if (v != null) {
                dimension = v.size();
            }
            arr.add(f.result());
        }
        return new JsonObject().put("model", model.manifest().name()).put("version", model.manifest().version())
                .put("dimension", dimension).put("results", arr);
    }
}
