package io.producttagger.http;

import io.producttagger.config.TaggerConfig;
import io.producttagger.index.IndexStore;
import io.producttagger.index.VectorIndex;
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
import java.util.List;

/**
 * {@code POST /v1/similar?index=NAME&k=10}: one photo (raw body, or the first file part of a multipart body)
 * answered with the index's nearest catalog items. The photo is embedded by the model version the index was built
 * with; a {@code model} naming another version is refused (409), as its vectors would not be comparable.
 */
public final class SimilarRoutes implements RouteProvider {

    /** Most neighbours one query may ask for. */
    static final int MAX_K = 1000;

    private final TaggerConfig config;
    private final ModelRegistry registry;
    private final IndexStore indexes;
    private final WorkerExecutor decodePool;

    /** Creates the routes: indexes from {@code indexes}, the embedding model from {@code registry}. */
    public SimilarRoutes(TaggerConfig config, ModelRegistry registry, IndexStore indexes, WorkerExecutor decodePool) {
        this.config = config;
        this.registry = registry;
        this.indexes = indexes;
        this.decodePool = decodePool;
    }

    @Override
    public void addRoutes(Router router) {
        router.post("/v1/similar")
                .handler(new ImageRequest.BodyIsRaw())
                .handler(BodyHandler.create(false).setBodyLimit(config.server().maxBodyBytes()))
                .handler(this::similar);
    }

    private void similar(RoutingContext ctx) {
        ImageRequest request = ImageRequest.of(ctx, 1);
        String name = param(ctx, request, "index");
        if (name == null || name.isBlank()) {
            throw HttpProblem.badRequest("name the index to search: ?index=NAME (built with: product-tagger index "
                    + "INPUT --name NAME)");
        }
        int k = k(param(ctx, request, "k"));
        String model = param(ctx, request, "model");
        byte[] photo = request.inputs().get(0).bytes();
        decodePool.executeBlocking(() -> {
            VectorIndex index = indexes.open(name);
            String spec = model == null || model.isBlank() ? index.meta().modelId() : model;
            return new Object[] {index, registry.acquireAsync(spec, ModelOutput.EMBEDDING)};
        }, false).compose(opened -> {
            VectorIndex index = (VectorIndex) opened[0];
            @SuppressWarnings("unchecked")
            var leasing = (java.util.concurrent.CompletableFuture<ModelRegistry.Lease>) opened[1];
            return Future.fromCompletionStage(leasing, ctx.vertx().getOrCreateContext()).compose(lease -> {
                ServingModel serving = lease.model();
                return decodePool.executeBlocking(() -> serving.preprocess(photo), false)
                        .compose(p -> Future.fromCompletionStage(serving.vector(p), ctx.vertx().getOrCreateContext()))
                        .compose(v -> decodePool.executeBlocking(() -> index.search(v, serving.id(), k), false))
                        .map(hits -> answer(index, hits))
                        .onComplete(done -> lease.close());
            });
        }).onSuccess(json -> JsonReplies.send(ctx, 200, json)).onFailure(ctx::fail);
    }

    private static String param(RoutingContext ctx, ImageRequest request, String name) {
        String v = ctx.queryParams().get(name);
        return v != null ? v : request.fields().get(name);
    }

    private static int k(String text) {
        if (text == null) {
            return 10;
        }
        try {
            int k = Integer.parseInt(text.trim());
            if (k >= 1 && k <= MAX_K) {
                return k;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HttpProblem.badRequest("k must be a whole number between 1 and " + MAX_K + ", got '"
                + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "'");
    }

    private static JsonObject answer(VectorIndex index, List<VectorIndex.Hit> hits) {
        JsonArray items = new JsonArray();
        for (VectorIndex.Hit h : hits) {
            JsonObject extra = new JsonObject();
            h.extra().forEach(extra::put);
            items.add(new JsonObject().put("id", h.id()).put("path", h.path())
                    .put("similarity", Math.round(h.similarity() * 1e6) / 1e6).put("columns", extra));
        }
        return new JsonObject().put("index", index.name()).put("model", index.meta().model())
                .put("version", index.meta().version()).put("results", items);
    }
}
