package io.producttagger.http;

import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ModelStore;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/** {@code GET /v1/models} and {@code GET /v1/models/{name}}: what the store holds and which version serves. */
public final class ModelRoutes implements RouteProvider {

    private final ModelRegistry registry;
    private final WorkerExecutor pool;

    /** Creates the routes over the registry, reading manifests on {@code pool}. */
    public ModelRoutes(ModelRegistry registry, WorkerExecutor pool) {
        this.registry = registry;
        this.pool = pool;
    }

    @Override
    public void addRoutes(Router router) {
        router.get("/v1/models").handler(ctx -> respond(ctx, () -> describeAll(registry)));
        router.get("/v1/models/:name").handler(ctx -> respond(ctx, () -> describe(registry,
                ctx.pathParam("name"))));
    }

    private void respond(RoutingContext ctx, java.util.concurrent.Callable<JsonObject> body) {
        JsonReplies.fromPool(pool, ctx, body);
    }

    /** Every model as {@code GET /v1/models} lists them (the admin console's model list shows the same). */
    static JsonObject describeAll(ModelRegistry registry) {
        JsonArray models = new JsonArray();
        for (String name : registry.store().models()) {
            models.add(describe(registry, name));
        }
        return new JsonObject().put("default", registry.defaultModel()).put("models", models);
    }

    /** A model as {@code GET /v1/models/{name}} shows it */
    static JsonObject describe(ModelRegistry registry, String name) {
        ModelStore store = registry.store();
        String serving = registry.servingVersion(name); // UnknownModel for a bad or missing name
        ModelManifest m = store.manifest(name, serving);
        JsonArray versions = new JsonArray();
        for (String v : store.versions(name)) {
            ModelManifest vm = store.manifest(name, v);
            versions.add(new JsonObject().put("version", v).put("created", vm.created())
                    .put("serving", v.equals(serving)).put("metrics", summary(vm.metrics())));
        }
        return new JsonObject().put("name", name).put("servingVersion", serving)
                .put("kind", m.isBackbone() ? "backbone" : "classifier")
                .put("labels", new JsonArray(m.labels()))
                .put("input", new JsonObject().put("width", m.input().width()).put("height", m.input().height())
                        .put("channels", m.input().channels()))
                .put("preprocessing", new JsonArray(m.preprocessing().stream()
                        .map(s -> new JsonObject().put("op", s.op()).put("params", new JsonObject(
                                new java.util.LinkedHashMap<>(s.params())))).toList()))
                .put("metrics", summary(m.metrics()))
                .put("versions", versions);
    }

    /** The headline figures of a metrics map (the confusion matrix stays in model.json). */
    private static JsonObject summary(Map<String, Object> metrics) {
        JsonObject o = new JsonObject();
        for (String k : new String[] {"testSet", "images", "top1", "top3"}) {
            if (metrics.containsKey(k)) {
                o.put(k, metrics.get(k));
            }
        }
        return o;
    }
}
