package io.producttagger.http;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.LabelScore;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/classify}: one image as the raw body, or several as {@code multipart/form-data} parts, each
 * tagged independently. Decoding runs on a bounded worker pool, inference on the model's classifier, and loading a
 * version the request names on the registry's load pool (no decode thread waits for it); the event loop only
 * routes.
 */
public final class ClassifyRoutes implements RouteProvider {

    private final TaggerConfig config;
    private final ModelRegistry registry;
    private final TaggerMetrics metrics;
    private final WorkerExecutor decodePool;

    /** Creates the routes: models from {@code registry}, decoding on {@code decodePool}, limits from {@code config}. */
    public ClassifyRoutes(TaggerConfig config, ModelRegistry registry, TaggerMetrics metrics,
            WorkerExecutor decodePool) {
        this.config = config;
        this.registry = registry;
        this.metrics = metrics;
        this.decodePool = decodePool;
    }

    @Override
    public void addRoutes(Router router) {
        router.post("/v1/classify")
                .handler(new ImageRequest.BodyIsRaw())
                // no uploads directory: multipart bodies are parsed here, in memory, within the body limit
                .handler(BodyHandler.create(false).setBodyLimit(config.server().maxBodyBytes()))
                .handler(this::classify);
    }

    /** The request's options, from query parameters and (for multipart) form fields. */
    private record Options(int topK, double threshold, String model) {
        static Options parse(MultiMap q, java.util.Map<String, String> f, int defaultTopK) {
            String topK = first(q, f, "topK");
            String threshold = first(q, f, "threshold");
            int k = defaultTopK;
            if (topK != null) {
                try {
                    k = Integer.parseInt(topK.trim());
                } catch (NumberFormatException e) {
                    throw HttpProblem.badRequest("topK must be a whole number between 1 and 1000, got '"
                            + shorten(topK) + "'");
                }
                if (k < 1 || k > 1000) {
                    throw HttpProblem.badRequest("topK must be between 1 and 1000, got " + k);
                }
            }
            double t = 0;
            if (threshold != null) {
                try {
                    t = Double.parseDouble(threshold.trim());
                } catch (NumberFormatException e) {
                    throw HttpProblem.badRequest("threshold must be a number between 0 and 1, got '"
                            + shorten(threshold) + "'");
                }
                if (!(t >= 0 && t <= 1)) {
                    throw HttpProblem.badRequest("threshold must be between 0 and 1, got " + shorten(threshold));
                }
            }
            return new Options(k, t, first(q, f, "model"));
        }

        private static String first(MultiMap query, java.util.Map<String, String> form, String name) {
            String v = query.get(name);
            return v != null ? v : form.get(name);
        }

        private static String shorten(String s) {
            return s.length() > 60 ? s.substring(0, 60) + "..." : s;
        }
    }

    private void classify(RoutingContext ctx) {
        ImageRequest request = ImageRequest.of(ctx, config.server().maxImages());
        List<ImageRequest.Input> inputs = request.inputs();
        boolean multipart = request.multipart();
        java.util.Map<String, String> fields = request.fields();
        Options options = Options.parse(ctx.queryParams(), fields, config.inference().topK());
        // the decode thread only reads the pointer file's time: a version that must load loads on the registry's
        // own pool while the request waits on the stage, holding no thread
        decodePool.executeBlocking(() -> registry.acquireAsync(options.model()), false)
                .compose(leasing -> Future.fromCompletionStage(leasing, ctx.vertx().getOrCreateContext()))
                .compose(lease -> {
                    ServingModel model = lease.model();
                    List<Future<JsonObject>> results = new ArrayList<>();
                    for (ImageRequest.Input in : inputs) {
                        results.add(tag(ctx, model, in, options, multipart));
                    }
                    // the version stays loaded until every image of the request is done with it
                    return Future.join(results).transform(done -> {
                        lease.close();
                        return Future.succeededFuture(answer(model, results));
                    });
                })
                .onSuccess(json -> JsonReplies.send(ctx, 200, json))
                .onFailure(ctx::fail);
    }

    private Future<JsonObject> tag(RoutingContext ctx, ServingModel model, ImageRequest.Input in, Options options,
            boolean multipart) {
        Future<JsonObject> result = decodePool.executeBlocking(() -> model.preprocess(in.bytes()), false)
                .compose(p -> Future.fromCompletionStage(model.infer(p, options.topK(), options.threshold()),
                        ctx.vertx().getOrCreateContext()))
                .map(t -> {
                    metrics.tagged(t);
                    return success(in.name(), t);
                })
                .onFailure(e -> metrics.failed(Problem.of(e).status()));
        // A single raw image that fails fails the request; in a multipart request each image fails alone.
        return multipart ? result.recover(e -> Future.succeededFuture(failure(in.name(), e))) : result;
    }

    private static JsonObject answer(ServingModel model, List<Future<JsonObject>> results) {
        JsonArray arr = new JsonArray();
        for (Future<JsonObject> f : results) {
            if (f.failed()) {
                throw new java.util.concurrent.CompletionException(f.cause());
            }
            arr.add(f.result());
        }
        return new JsonObject().put("model", model.manifest().name()).put("version", model.manifest().version())
                .put("results", arr);
    }

    private static JsonObject success(String name, ServingModel.Tagging t) {
        JsonArray labels = new JsonArray();
        for (LabelScore s : t.labels()) {
            labels.add(new JsonObject().put("label", s.label()).put("score", s.score()));
        }
        JsonObject result = new JsonObject().put("name", name);
        if (t.blank()) {
            result.put("warnings", new JsonArray().add("the image is blank (near-uniform, every channel's standard "
                    + "deviation under " + io.producttagger.vision.ImagePipeline.BLANK_STDDEV + "): there is no "
                    + "product to see, so the labels below are not meaningful"));
        }
        return result.put("labels", labels).put("timings", new JsonObject()
                .put("decodeMs", round(t.decodeMs(), 3)).put("preprocessMs", round(t.preprocessMs(), 3))
                .put("queueMs", round(t.queueMs(), 3)).put("inferenceMs", round(t.inferenceMs(), 3))
                .put("batchSize", t.batchSize()));
    }

    private static JsonObject failure(String name, Throwable e) {
        return new JsonObject().put("name", name).put("error", Problem.of(e).toJson());
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
