package io.producttagger.http;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public HTTP service: a Vert.x event loop that routes, a bounded worker pool that decodes, and the model
 * registry's classifiers that infer.
 */
public final class TaggerServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaggerServer.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("access");

    private final Vertx vertx;
    private final HttpServer server;
    private final WorkerExecutor pool;
    private final Path uploads;
    private final AtomicBoolean ready;
    private final Router router;
    private final java.util.concurrent.atomic.AtomicInteger inFlight;

    private TaggerServer(Vertx vertx, HttpServer server, Router router, java.util.concurrent.atomic.AtomicInteger
            inFlight, WorkerExecutor pool, Path uploads, AtomicBoolean ready) {
        this.router = router;
        this.inFlight = inFlight;
        this.vertx = vertx;
        this.server = server;
        this.pool = pool;
        this.uploads = uploads;
        this.ready = ready;
    }

    /**
     * Starts listening and returns once the port is bound; the default model loads and warms in the
     * background, and {@code /health/ready} answers 200 once it has.
     *
     * @param config the configuration ({@code server.port} 0 picks a free port)
     * @param registry the models to serve
     */
    public static TaggerServer start(TaggerConfig config, ModelRegistry registry) {
        return start(config, registry, new TaggerMetrics());
    }

    /**
     * Starts listening with the given metrics (whose classifier observer the registry should already use).
     *
     * @see #start(TaggerConfig, ModelRegistry)
     */
    public static TaggerServer start(TaggerConfig config, ModelRegistry registry, TaggerMetrics metrics) {
        Vertx vertx = Vertx.vertx();
        Path uploads;
        try {
            uploads = Files.createTempDirectory("product-tagger-uploads-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int decoders = Math.max(2, Runtime.getRuntime().availableProcessors());
        WorkerExecutor pool = vertx.createSharedWorkerExecutor("decode", decoders);
        AtomicBoolean ready = new AtomicBoolean(false);
        metrics.watchQueues(registry);
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        Router router = router(vertx, config, registry, metrics, pool, uploads, ready, inFlight);
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(true))
                .requestHandler(router);
        Listener.bind(vertx, server, config.server().host(), config.server().port());
        TaggerServer s = new TaggerServer(vertx, server, router, inFlight, pool, uploads, ready);
        pool.executeBlocking(() -> {
            registry.resolve(null).warmUp();
            return null;
        }, false).onSuccess(v -> {
            ready.set(true);
            LOG.info("model {}@{} loaded and warm; ready", registry.defaultModel(),
                    registry.servingVersion(registry.defaultModel()));
        }).onFailure(e -> LOG.error("default model '{}' failed to load: {}", registry.defaultModel(),
                e.getMessage()));
        LOG.info("listening on http://{}:{}", config.server().host(), s.port());
        return s;
    }

    static Router router(Vertx vertx, TaggerConfig config, ModelRegistry registry, TaggerMetrics metrics,
            WorkerExecutor pool, Path uploads, AtomicBoolean ready, java.util.concurrent.atomic.AtomicInteger inFlight) {
        Router router = Router.router(vertx);
        router.route().handler(ctx -> {
            String id = ctx.request().getHeader("X-Request-Id");
            if (id == null || id.isBlank() || id.length() > 128) {
                id = UUID.randomUUID().toString();
            }
            String requestId = id;
            long start = System.nanoTime();
            ctx.put("requestId", requestId);
            ctx.response().putHeader("X-Request-Id", requestId);
            inFlight.incrementAndGet();
            ctx.addEndHandler(v -> {
                inFlight.decrementAndGet();
                long nanos = System.nanoTime() - start;
                String route = ctx.currentRoute() == null || ctx.currentRoute().getPath() == null ? "unmatched"
                        : ctx.currentRoute().getPath();
                metrics.request(route, ctx.request().method().name(), ctx.response().getStatusCode(), nanos);
                ACCESS.info("{} {} {} {} {}ms id={}", ctx.request().remoteAddress(), ctx.request().method(),
                        ctx.request().uri(), ctx.response().getStatusCode(), String.format("%.1f", nanos / 1e6),
                        requestId);
            });
            ctx.next();
        });
        new HealthRoutes(ready::get).addRoutes(router);
        new ModelRoutes(registry, pool).addRoutes(router);
        new ClassifyRoutes(config, registry, metrics, pool, uploads).addRoutes(router);
        new OpsRoutes(metrics).addRoutes(router);
        FailureHandler failures = new FailureHandler();
        router.route().failureHandler(failures);
        for (int status : new int[] {404, 405, 413}) {
            router.errorHandler(status, failures);
        }
        return router;
    }

    /** Returns the routes as {@code METHOD /path} with OpenAPI-style {@code {param}} placeholders, sorted. */
    public java.util.List<String> routes() {
        return RouteList.of(router);
    }

    /** Returns whether any request is being handled right now. */
    public boolean hasRequestsInFlight() {
        return inFlight.get() > 0;
    }

    /** Returns the bound port. */
    public int port() {
        return server.actualPort();
    }

    /** Returns whether the default model is loaded and warm. */
    public boolean isReady() {
        return ready.get();
    }

    /** Stops accepting connections, lets in-flight requests finish (up to 30 s), then stops Vert.x. */
    @Override
    public void close() {
        Listener.close(vertx, server, pool, 30);
        try (var files = Files.list(uploads)) {
            files.forEach(p -> p.toFile().delete());
            Files.deleteIfExists(uploads);
        } catch (IOException ignored) {
            // leftover upload folder in the temp dir; harmless
        }
    }

}
