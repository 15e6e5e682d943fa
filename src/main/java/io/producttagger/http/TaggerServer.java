package io.producttagger.http;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public HTTP service: a Vert.x event loop that routes, a bounded worker pool that decodes, and the model
 * registry's classifiers that infer.
 */
public final class TaggerServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaggerServer.class);
    private final Vertx vertx;
    private final HttpServer server;
    private final WorkerExecutor pool;
    private final AtomicBoolean ready;
    private final Router router;
    private final RequestLog log;
    private final List<String> consolePaths;

    private TaggerServer(Vertx vertx, HttpServer server, Router router, RequestLog log, WorkerExecutor pool,
            AtomicBoolean ready, List<String> consolePaths) {
        this.consolePaths = consolePaths;
        this.router = router;
        this.log = log;
        this.vertx = vertx;
        this.server = server;
        this.pool = pool;
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
        int decoders = Math.max(2, Runtime.getRuntime().availableProcessors());
        WorkerExecutor pool = vertx.createSharedWorkerExecutor("decode", decoders);
        AtomicBoolean ready = new AtomicBoolean(false);
        metrics.watchQueues(registry);
        Router router = Router.router(vertx);
        RequestLog log = new RequestLog(router, metrics, config.server().requestTimeoutMs(),
                "server.request-timeout-ms, TAGGER_SERVER_REQUEST_TIMEOUT_MS");
        ConsoleRoutes console = new ConsoleRoutes();
        console.addRoutes(router);
        addRoutes(router, config, registry, metrics, pool, ready);
        HttpServer server = Listener.create(vertx, router, config.server().idleTimeoutMs(),
                config.server().requestTimeoutMs(), true, log);
        Listener.bind(vertx, server, config.server().host(), config.server().port());
        TaggerServer s = new TaggerServer(vertx, server, router, log, pool, ready, console.paths());
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

    private static void addRoutes(Router router, TaggerConfig config, ModelRegistry registry, TaggerMetrics metrics,
            WorkerExecutor pool, AtomicBoolean ready) {
        new HealthRoutes(ready::get).addRoutes(router);
        new ModelRoutes(registry, pool).addRoutes(router);
        new ClassifyRoutes(config, registry, metrics, pool).addRoutes(router);
        new OpsRoutes(metrics).addRoutes(router);
        new FailureHandler().install(router);
    }

    /**
     * Returns the API's routes (what {@code /openapi.yaml} documents) as {@code METHOD /path} with OpenAPI-style
     * {@code {param}} placeholders, sorted; the web console's static files are {@link #consoleRoutes()}.
     */
    public List<String> routes() {
        return RouteList.of(router, consolePaths, false);
    }

    /** Returns the web console's routes ({@code GET /} and its files), sorted. */
    public List<String> consoleRoutes() {
        return RouteList.of(router, consolePaths, true);
    }

    /** Returns whether any request is being handled right now. */
    public boolean hasRequestsInFlight() {
        return log.hasRequestsInFlight();
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
    }

}
