package io.producttagger.http;

import io.producttagger.config.ConfigException;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.Promotions;
import io.producttagger.training.jobs.FineTuneService;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin service on its own listener (loopback by default): {@code /admin/v1} fine-tunes, models, promotion
 * and rollback, and the API's OpenAPI document, every call authenticated with the bearer token; and the admin web
 * console's static files at {@code /admin/}, which call that API with the token the user types. None of these
 * routes exist on the public listener.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final Vertx vertx;
    private final HttpServer server;
    private final WorkerExecutor pool;
    private final Router router;
    private final List<String> consolePaths;

    private AdminServer(Vertx vertx, HttpServer server, WorkerExecutor pool, Router router,
            List<String> consolePaths) {
        this.consolePaths = consolePaths;
        this.vertx = vertx;
        this.server = server;
        this.pool = pool;
        this.router = router;
    }

    /**
     * Starts the admin listener and returns once the port is bound.
     *
     * @param config {@code admin.*} and {@code finetune.*} settings
     * @param fineTunes the fine-tune service the {@code /admin/v1/fine-tunes} routes adapt
     * @param promotions promotes and rolls back serving versions
     * @throws ConfigException when no admin token is configured
     */
    public static AdminServer start(TaggerConfig config, FineTuneService fineTunes, Promotions promotions) {
        TaggerConfig.Admin admin = config.admin();
        if (admin.token() == null || admin.token().isEmpty()) {
            throw new ConfigException("the admin listener needs a token: set TAGGER_ADMIN_TOKEN (admin.token), "
                    + "or disable it with admin.enabled=false");
        }
        Vertx vertx = Vertx.vertx();
        WorkerExecutor pool = vertx.createSharedWorkerExecutor("admin", 2);
        Router router = Router.router(vertx);
        RequestLog log = new RequestLog(router, null, admin.requestTimeoutMs(), "admin.request-timeout-ms, "
                + "TAGGER_ADMIN_REQUEST_TIMEOUT_MS");
        // the console's static files come first: a browser opens them without the token (they hold no data)
        AdminConsoleRoutes console = new AdminConsoleRoutes();
        console.addRoutes(router);
        router.route().handler(new AdminAuth(admin.token()));
        new FineTuneRoutes(fineTunes, pool, config.server().idleTimeoutMs()).addRoutes(router);
        new AdminModelRoutes(promotions, pool).addRoutes(router);
        new AdminOpenApiRoutes().addRoutes(router);
        FailureHandler failures = new FailureHandler("the request body is larger than the limit: "
                + FineTuneRoutes.MAX_BODY / 1024 + " KiB for a JSON fine-tune request, "
                + config.fineTune().maxUploadBytes() + " bytes for an archive (finetune.max-upload-bytes, "
                + "TAGGER_FINETUNE_MAX_UPLOAD_BYTES)");
        failures.install(router);
        HttpServer server = Listener.create(vertx, router, config.server().idleTimeoutMs(),
                admin.requestTimeoutMs(), false, log);
        Listener.bind(vertx, server, admin.host(), admin.port());
        LOG.info("admin listening on http://{}:{}/admin/v1", admin.host(), server.actualPort());
        return new AdminServer(vertx, server, pool, router, console.paths());
    }

    /**
     * Returns the API's routes (what the admin OpenAPI document describes, every one behind the token) as
     * {@code METHOD /path} with OpenAPI-style {@code {param}} placeholders, sorted; a path with one route per
     * accepted media type appears once per route. The console's static files are {@link #consoleRoutes()}.
     */
    public List<String> routes() {
        return RouteList.of(router, consolePaths, false);
    }

    /** Returns the admin console's routes (its page and files, served without the token), sorted. */
    public List<String> consoleRoutes() {
        return RouteList.of(router, consolePaths, true);
    }

    /** Returns the bound port. */
    public int port() {
        return server.actualPort();
    }

    /** Stops the listener (in-flight calls get up to 10 s) and Vert.x. */
    @Override
    public void close() {
        Listener.close(vertx, server, pool, 10);
    }
}
