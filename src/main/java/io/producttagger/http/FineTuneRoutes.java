package io.producttagger.http;

import io.producttagger.training.TrainingException;
import io.producttagger.training.jobs.FineTuneJob;
import io.producttagger.config.TaggerConfig;
import io.producttagger.training.jobs.FineTuneService;
import io.producttagger.training.loop.FineTuneSettings;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code /admin/v1/fine-tunes}: submit a fine-tune (202) naming a folder under the data root (JSON) or
 * uploading a {@code .zip} of label folders, list jobs, read one's state, follow it as Server-Sent Events,
 * cancel it. The routes parse media types and parameters, hand the rest to the {@link FineTuneService} on the
 * worker pool and answer with {@link FineTuneJobResponse}.
 */
public final class FineTuneRoutes implements RouteProvider {

    /** Largest fine-tune request body: a small JSON object. */
    static final long MAX_BODY = 64 * 1024;
    private static final long SSE_INTERVAL_MS = 500;
    /** Jobs a listing returns when the request gives no {@code limit}. */
    static final int DEFAULT_LIST_LIMIT = 50;
    /** Largest {@code limit} a listing accepts. */
    static final int MAX_LIST_LIMIT = 1000;

    private final FineTuneService service;
    private final WorkerExecutor pool;
    private final long keepAliveMs;

    /**
     * Creates the routes over the fine-tune service.
     *
     * @param service runs the fine-tunes and owns their uploads
     * @param pool the worker pool the service's blocking calls run on
     * @param idleTimeoutMs the listener's idle timeout: an event stream writes a comment well within it, so a
     *     job that is queued or between epochs for a while does not have its stream closed as idle
     */
    public FineTuneRoutes(FineTuneService service, WorkerExecutor pool, long idleTimeoutMs) {
        this.keepAliveMs = Math.max(SSE_INTERVAL_MS, Math.min(5000, idleTimeoutMs / 3));
        this.service = service;
        this.pool = pool;
    }

    /** Returns what a 413 on the admin listener says: its two body limits and how to change them. */
    public static String bodyLimitDetail(TaggerConfig.FineTune settings) {
        return "the request body is larger than the limit: " + MAX_BODY / 1024 + " KiB for a JSON fine-tune "
                + "request, " + settings.maxUploadBytes() + " bytes for an archive (finetune.max-upload-bytes, "
                + "TAGGER_FINETUNE_MAX_UPLOAD_BYTES)";
    }

    @Override
    public void addRoutes(Router router) {
        router.post("/admin/v1/fine-tunes").consumes("application/json")
                .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
                .handler(this::submit);
        router.post("/admin/v1/fine-tunes").consumes("application/zip").consumes("application/gzip")
                .consumes("application/x-gzip").consumes("application/x-tar")
                .handler(BodyHandler.create(false).setBodyLimit(service.maxUploadBytes()))
                .handler(this::upload);
        router.get("/admin/v1/fine-tunes").handler(this::list);
        router.get("/admin/v1/fine-tunes/:id").handler(ctx -> pool.executeBlocking(
                () -> service.get(ctx.pathParam("id")), false)
                .onSuccess(job -> json(ctx, 200, FineTuneJobResponse.of(job))).onFailure(ctx::fail));
        router.get("/admin/v1/fine-tunes/:id/events").handler(this::events);
        router.delete("/admin/v1/fine-tunes/:id").handler(ctx -> pool.executeBlocking(
                () -> service.cancel(ctx.pathParam("id")), false)
                .onSuccess(job -> json(ctx, 200, FineTuneJobResponse.of(job))).onFailure(ctx::fail));
    }

    private void submit(RoutingContext ctx) {
        FineTuneSettings settings;
        String dataset;
        try {
            JsonObject body = jsonBody(ctx);
            FineTuneOptions options = FineTuneOptions.json(body);
            dataset = datasetOf(body);
            settings = options.settings();
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        queue(ctx, () -> service.submit(dataset, settings));
    }

    /** The body as a JSON object; a 400 when it is JSON but not an object (an array, a number, a string). */
    private static JsonObject jsonBody(RoutingContext ctx) {
        try {
            return ctx.body().asJsonObject();
        } catch (ClassCastException e) {
            throw HttpProblem.badRequest("the body must be a JSON object such as {\"dataset\":{\"folder\":"
                    + "\"shoes\"},\"baseModel\":\"fashion\"}, not another JSON value");
        }
    }

    /**
     * Takes a {@code .zip} or {@code .tar.gz} of label folders as the body and the settings as query parameters
     * ({@code ?baseModel=fashion&name=shoes&epochs=8}), read by the same typed parser as a JSON body and checked
     * before anything is unpacked; the archive is unpacked under the data root's {@code uploads/} folder. The job
     * takes the folder over; a request refused before it became a job leaves nothing behind.
     */
    private void upload(RoutingContext ctx) {
        byte[] zip = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        FineTuneSettings settings;
        try {
            settings = FineTuneOptions.query(ctx.queryParams()).settings();
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        queue(ctx, () -> service.submitArchive(zip, settings));
    }

    private void queue(RoutingContext ctx, java.util.concurrent.Callable<FineTuneJob> submit) {
        pool.executeBlocking(submit, false).onSuccess(job -> {
            String status = "/admin/v1/fine-tunes/" + job.id();
            ctx.response().putHeader("Location", status);
            json(ctx, 202, new FineTuneJobResponse.Accepted(job.id(), status, job.state()));
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
        pool.executeBlocking(() -> service.list(state, limit), false)
                .onSuccess(list -> json(ctx, 200, FineTuneJobResponse.listing(list))).onFailure(ctx::fail);
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

    /**
     * Returns the data set path a JSON body names in {@code "dataset": {"folder": ...}} or
     * {@code {"manifest": ...}}.
     *
     * @throws HttpProblem 400 when {@code dataset} or its path has the wrong type
     * @throws TrainingException.Invalid when no data set is named
     */
    private static String datasetOf(JsonObject body) {
        Object dataset = body == null ? null : body.getValue("dataset");
        if (dataset != null && !(dataset instanceof JsonObject)) {
            throw HttpProblem.badRequest("\"dataset\" must be an object: {\"folder\": \"PATH\"} or "
                    + "{\"manifest\": \"FILE.csv\"}");
        }
        JsonObject d = (JsonObject) dataset;
        for (String key : new String[] {"folder", "manifest"}) {
            Object path = d == null ? null : d.getValue(key);
            if (path != null && !(path instanceof String)) {
                throw HttpProblem.badRequest("\"dataset\"." + key + " must be text: a path relative to the data "
                        + "root (finetune.data-root)");
            }
            if (path != null) {
                return (String) path;
            }
        }
        throw new TrainingException.Invalid("the request needs \"dataset\": {\"folder\": \"PATH\"} (one sub-folder "
                + "per label) or {\"manifest\": \"FILE.csv\"} (path,label lines), relative to the data root "
                + "(finetune.data-root)");
    }

    /** Streams the job's state as {@code text/event-stream}, one event per change, until it finishes. */
    private void events(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        FineTuneJob first;
        try {
            first = service.get(id);
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        ctx.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        String[] lastUpdated = {null};
        long[] lastWrite = {System.nanoTime()};
        Runnable send = () -> {
            FineTuneJob job = service.find(id).orElse(first);
            if (!job.updated().equals(lastUpdated[0])) {
                lastUpdated[0] = job.updated();
                ctx.response().write("event: " + job.state() + "\ndata: "
                        + JsonObject.mapFrom(FineTuneJobResponse.of(job)).encode() + "\n\n");
                lastWrite[0] = System.nanoTime();
            } else if (System.nanoTime() - lastWrite[0] > keepAliveMs * 1_000_000L) {
                ctx.response().write(": keep-alive\n\n"); // a comment: clients ignore it
                lastWrite[0] = System.nanoTime();
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
        JsonReplies.send(ctx, status, body);
    }
}
