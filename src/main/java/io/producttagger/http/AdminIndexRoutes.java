package io.producttagger.http;

import io.producttagger.index.IndexJobs;
import io.producttagger.index.IndexStore;
import io.producttagger.training.TrainingException;
import io.producttagger.training.data.DataRoot;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;

/**
 * {@code /admin/v1/indexes} and {@code /admin/v1/index-builds}: list the similar-product indexes (name, model
 * version, count, size, created), delete one, and build or extend one from a catalog under the data root as a
 * background job (progress, cancel), as the {@code index} command does from the command line.
 */
public final class AdminIndexRoutes implements RouteProvider {

    /** Largest build request body: a small JSON object. */
    static final long MAX_BODY = 16 * 1024;

    private final IndexStore store;
    private final IndexJobs jobs;
    private final DataRoot dataRoot;
    private final WorkerExecutor pool;

    /**
     * Creates the routes.
     *
     * @param dataRoot catalogs must lie under it, as fine-tune data sets do ({@code finetune.data-root})
     * @param pool the worker pool the blocking calls (disk, counting a catalog) run on
     */
    public AdminIndexRoutes(IndexStore store, IndexJobs jobs, DataRoot dataRoot, WorkerExecutor pool) {
        this.store = store;
        this.jobs = jobs;
        this.dataRoot = dataRoot;
        this.pool = pool;
    }

    @Override
    public void addRoutes(Router router) {
        router.get("/admin/v1/indexes").handler(ctx -> pool.executeBlocking(store::list, false)
                .onSuccess(list -> {
                    JsonArray items = new JsonArray();
                    list.forEach(s -> items.add(new JsonObject().put("name", s.name()).put("model", s.meta().model())
                            .put("version", s.meta().version()).put("dimension", s.meta().dimension())
                            .put("count", s.count()).put("sizeBytes", s.sizeBytes())
                            .put("created", s.created().toString())));
                    JsonReplies.send(ctx, 200, new JsonObject().put("indexes", items));
                }).onFailure(ctx::fail));
        router.delete("/admin/v1/indexes/:name").handler(ctx -> pool.executeBlocking(() -> {
            jobs.delete(ctx.pathParam("name"));
            return true;
        }, false).onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail));
        router.post("/admin/v1/index-builds").consumes("application/json")
                .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
                .handler(this::submit);
        router.get("/admin/v1/index-builds").handler(ctx -> pool.executeBlocking(jobs::list, false)
                .onSuccess(list -> JsonReplies.send(ctx, 200, new JsonObject().put("jobs", new JsonArray(
                        list.stream().map(JsonObject::mapFrom).toList()))))
                .onFailure(ctx::fail));
        router.get("/admin/v1/index-builds/:id").handler(ctx -> pool.executeBlocking(
                () -> jobs.get(ctx.pathParam("id")), false)
                .onSuccess(job -> JsonReplies.send(ctx, 200, job)).onFailure(ctx::fail));
        router.delete("/admin/v1/index-builds/:id").handler(ctx -> pool.executeBlocking(
                () -> jobs.cancel(ctx.pathParam("id")), false)
                .onSuccess(job -> JsonReplies.send(ctx, 200, job)).onFailure(ctx::fail));
    }

    private void submit(RoutingContext ctx) {
        String index;
        String input;
        String model;
        try {
            JsonObject body;
            try {
                body = ctx.body().asJsonObject();
            } catch (ClassCastException e) {
                body = null;
            }
            if (body == null) {
                throw HttpProblem.badRequest("the body must be a JSON object such as {\"index\":\"shop\","
                        + "\"input\":\"catalog/\"} (input: a folder or a CSV/JSONL manifest under the data root)");
            }
            index = text(body, "index", true);
            input = text(body, "input", true);
            model = text(body, "model", false);
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        pool.executeBlocking(() -> {
            Path file;
            try {
                file = dataRoot.resolve(input);
            } catch (TrainingException.Invalid e) {
                // the data root's message speaks of data sets; a catalog is refused for the same reasons
                throw HttpProblem.badRequest(e.getMessage().replace("data set path", "input"));
            }
            return jobs.submit(index, input, file, model);
        }, false).onSuccess(job -> {
            String status = "/admin/v1/index-builds/" + job.id();
            ctx.response().putHeader("Location", status);
            JsonReplies.send(ctx, 202, new JsonObject().put("id", job.id()).put("status", status)
                    .put("state", job.state()));
        }).onFailure(ctx::fail);
    }

    private static String text(JsonObject body, String key, boolean required) {
        Object v = body.getValue(key);
        if (v == null && !required) {
            return null;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw HttpProblem.badRequest("\"" + key + "\" must be " + (required ? "given as " : "") + "text: "
                    + switch (key) {
                        case "index" -> "the index to build or extend, e.g. \"shop\"";
                        case "input" -> "a folder or CSV/JSONL manifest relative to the data root "
                                + "(finetune.data-root)";
                        default -> "NAME or NAME@VERSION of the model to embed with";
                    });
        }
        return s;
    }
}
