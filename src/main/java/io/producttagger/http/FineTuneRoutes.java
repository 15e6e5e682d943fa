package io.producttagger.http;

import io.producttagger.config.TaggerConfig;
import io.producttagger.training.DataRoot;
import io.producttagger.training.DatasetArchive;
import io.producttagger.training.FineTuneJob;
import io.producttagger.training.FineTuneJobs;
import io.producttagger.training.FineTuneRequest;
import io.producttagger.training.TrainingException;
import io.producttagger.training.UploadFolders;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code /admin/v1/fine-tunes}: submit a fine-tune (202) naming a folder under the data root (JSON) or
 * uploading a {@code .zip} of label folders, list jobs, read one's state, follow it as Server-Sent Events,
 * cancel it.
 */
final class FineTuneRoutes {

    /** Largest fine-tune request body: a small JSON object. */
    static final long MAX_BODY = 64 * 1024;
    private static final long SSE_INTERVAL_MS = 500;
    /** Jobs a listing returns when the request gives no {@code limit}. */
    static final int DEFAULT_LIST_LIMIT = 50;
    /** Largest {@code limit} a listing accepts. */
    static final int MAX_LIST_LIMIT = 1000;

    private final FineTuneJobs jobs;
    private final String defaultBase;
    private final DataRoot dataRoot;
    private final int minImagesPerLabel;
    private final long maxUploadBytes;
    private final DatasetArchive archive;
    private final WorkerExecutor pool;

    /**
     * @param defaultBase the model a request without {@code baseModel} starts from: the one served by default
     */
    FineTuneRoutes(FineTuneJobs jobs, DataRoot dataRoot, TaggerConfig.FineTune settings, String defaultBase,
            WorkerExecutor pool) {
        this.jobs = jobs;
        this.defaultBase = defaultBase;
        this.dataRoot = dataRoot;
        this.minImagesPerLabel = settings.minImagesPerLabel();
        this.maxUploadBytes = settings.maxUploadBytes();
        this.archive = new DatasetArchive(settings.maxUploadFiles(), settings.maxUploadBytes() * 4);
        this.pool = pool;
    }

    void addRoutes(Router router) {
        router.post("/admin/v1/fine-tunes").consumes("application/json")
                .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
                .handler(this::submit);
        router.post("/admin/v1/fine-tunes").consumes("application/zip").consumes("application/gzip")
                .consumes("application/x-gzip").consumes("application/x-tar")
                .handler(BodyHandler.create(false).setBodyLimit(maxUploadBytes))
                .handler(this::upload);
        router.get("/admin/v1/fine-tunes").handler(this::list);
        router.get("/admin/v1/fine-tunes/:id").handler(ctx -> pool.executeBlocking(
                () -> jobs.get(ctx.pathParam("id")), false)
                .onSuccess(job -> json(ctx, 200, job)).onFailure(ctx::fail));
        router.get("/admin/v1/fine-tunes/:id/events").handler(this::events);
        router.delete("/admin/v1/fine-tunes/:id").handler(ctx -> pool.executeBlocking(
                () -> jobs.cancel(ctx.pathParam("id")), false)
                .onSuccess(job -> json(ctx, 200, job)).onFailure(ctx::fail));
    }

    private void submit(RoutingContext ctx) {
        FineTuneRequest request;
        try {
            request = parse(ctx.body().asJsonObject());
        } catch (ClassCastException e) {
            ctx.fail(HttpProblem.badRequest("a field of the fine-tune request has the wrong type: " + e.getMessage()));
            return;
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        queue(ctx, () -> jobs.submit(request));
    }

    /**
     * Takes a {@code .zip} or {@code .tar.gz} of label folders as the body and the settings as query parameters
     * ({@code ?baseModel=fashion&name=shoes&epochs=8}); the archive is unpacked under the data root's
     * {@code uploads/} folder first. The job takes the folder over; a request refused before it became a job
     * leaves nothing behind.
     */
    private void upload(RoutingContext ctx) {
        byte[] zip = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        JsonObject params = new JsonObject();
        ctx.queryParams().forEach(e -> params.put(e.getKey(),
                e.getKey().equals("baseModel") || e.getKey().equals("name") ? e.getValue() : value(e.getValue())));
        queue(ctx, () -> {
            UploadFolders uploads = jobs.uploads();
            String upload = uploads.newId();
            java.nio.file.Path folder = archive.unpack(zip, uploads.folder(upload));
            try {
                params.put("dataset", new JsonObject().put("folder", dataRoot.root().relativize(folder).toString()));
                return jobs.submit(parse(params), upload);
            } catch (RuntimeException e) {
                uploads.delete(upload);
                throw e;
            }
        });
    }

    /** A query parameter as the JSON value it stands for: a boolean, a number, or else the text. */
    private static Object value(String v) {
        if ("true".equals(v) || "false".equals(v)) {
            return Boolean.valueOf(v);
        }
        try {
            return v.contains(".") ? (Object) Double.parseDouble(v) : (Object) Long.parseLong(v);
        } catch (NumberFormatException e) {
            return v;
        }
    }

    private void queue(RoutingContext ctx, java.util.concurrent.Callable<FineTuneJob> submit) {
        pool.executeBlocking(submit, false).onSuccess(job -> {
            String status = "/admin/v1/fine-tunes/" + job.id();
            ctx.response().putHeader("Location", status);
            json(ctx, 202, new JsonObject().put("id", job.id()).put("status", status).put("state", job.state()));
        }).onFailure(ctx::fail);
    }

    /**
     * Lists jobs newest first, each in the shape {@code GET /admin/v1/fine-tunes/{id}} answers, as
     * {@code {"jobs":[...]}}; {@code ?state=} keeps one state, {@code ?limit=} caps the count.
     */
    private void list(RoutingContext ctx) {
        String state;
        int limit;
        try {
            state = singleQueryParam(ctx, "state");
            if (state != null && !FineTuneJob.STATES.contains(state)) {
                throw HttpProblem.badRequest("unknown state '" + state + "'; use one of "
                        + String.join(", ", FineTuneJob.STATES));
            }
            String l = singleQueryParam(ctx, "limit");
            limit = l == null ? DEFAULT_LIST_LIMIT : listLimit(l);
        } catch (HttpProblem e) {
            ctx.fail(e);
            return;
        }
        pool.executeBlocking(() -> jobs.list(state, limit), false).onSuccess(list -> {
            JsonArray array = new JsonArray();
            list.forEach(job -> array.add(JsonObject.mapFrom(job)));
            json(ctx, 200, new JsonObject().put("jobs", array));
        }).onFailure(ctx::fail);
    }

    private static int listLimit(String text) {
        int limit;
        try {
            limit = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIST_LIMIT) {
            throw HttpProblem.badRequest("limit must be a whole number from 1 to " + MAX_LIST_LIMIT + ", got '"
                    + text + "'");
        }
        return limit;
    }

    /** Returns a query parameter given at most once, or null when absent. */
    private static String singleQueryParam(RoutingContext ctx, String name) {
        java.util.List<String> values = ctx.queryParam(name);
        if (values.size() > 1) {
            throw HttpProblem.badRequest("give '" + name + "' once, not " + values.size() + " times");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    /** Reads the JSON body into a request, resolving the data set under the data root. */
    private FineTuneRequest parse(JsonObject body) {
        if (body == null) {
            throw HttpProblem.badRequest("the body must be a JSON object such as {\"dataset\":{\"folder\":\"shoes\"},"
                    + "\"baseModel\":\"fashion\",\"name\":\"shoes\"}");
        }
        JsonObject dataset = body.getJsonObject("dataset");
        String folder = dataset == null ? null
                : dataset.getString("folder") != null ? dataset.getString("folder") : dataset.getString("manifest");
        if (folder == null) {
            throw new TrainingException.Invalid("the request needs \"dataset\": {\"folder\": \"PATH\"} (one sub-folder per "
                    + "label) or {\"manifest\": \"FILE.csv\"} (path,label lines), relative to the data root "
                    + "(finetune.data-root)");
        }
        String base = body.getString("baseModel", defaultBase);
        if (base.isBlank()) {
            throw new TrainingException.Invalid("\"baseModel\" is blank: name the model to start from (e.g. \"fashion\"), "
                    + "or leave it out to start from the default model, " + defaultBase);
        }
        String baseVersion = null;
        int at = base.indexOf('@');
        if (at > 0) {
            baseVersion = base.substring(at + 1);
            base = base.substring(0, at);
        }
        return new FineTuneRequest(dataRoot.resolve(folder), folder, base, baseVersion,
                body.getString("name", base),
                body.getInteger("headOnlyEpochs", FineTuneRequest.HEAD_ONLY_EPOCHS),
                body.getInteger("epochs", FineTuneRequest.EPOCHS),
                body.getNumber("headLearningRate", FineTuneRequest.HEAD_LEARNING_RATE).floatValue(),
                body.getNumber("learningRate", FineTuneRequest.LEARNING_RATE).floatValue(),
                body.getInteger("batchSize", FineTuneRequest.BATCH_SIZE),
                body.getNumber("validationFraction", FineTuneRequest.VALIDATION_FRACTION).doubleValue(),
                minImagesPerLabel,
                body.getInteger("patience", FineTuneRequest.PATIENCE),
                body.getLong("seed", 42L),
                body.getBoolean("color", FineTuneRequest.COLOR));
    }

    /** Streams the job's state as {@code text/event-stream}, one event per change, until it finishes. */
    private void events(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        FineTuneJob first;
        try {
            first = jobs.get(id);
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        ctx.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        String[] lastUpdated = {null};
        Runnable send = () -> {
            FineTuneJob job = jobs.find(id).orElse(first);
            if (!job.updated().equals(lastUpdated[0])) {
                lastUpdated[0] = job.updated();
                ctx.response().write("event: " + job.state() + "\ndata: " + JsonObject.mapFrom(job).encode() + "\n\n");
            }
            if (job.finished()) {
                ctx.response().end();
            }
        };
        send.run();
        if (ctx.response().ended()) {
            return;
        }
        long timer = ctx.vertx().setPeriodic(SSE_INTERVAL_MS, t -> {
            if (ctx.response().ended() || ctx.response().closed()) {
                ctx.vertx().cancelTimer(t);
                return;
            }
            send.run();
        });
        ctx.response().closeHandler(v -> ctx.vertx().cancelTimer(timer));
        ctx.response().endHandler(v -> ctx.vertx().cancelTimer(timer));
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        JsonObject o = body instanceof JsonObject j ? j : JsonObject.mapFrom(body);
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(o.encode());
    }
}
