package io.producttagger.http;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binding and graceful closing of a Vert.x listener, shared by the public and the admin server. */
final class Listener {

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);

    private Listener() {}

    /** Binds the server, waiting up to 30 s; on failure closes Vert.x and says which address failed. */
    static void bind(Vertx vertx, HttpServer server, String host, int port) {
        try {
            server.listen(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + rootMessage(e), e);
        }
    }

    /** Stops accepting, lets in-flight requests finish for up to {@code graceSeconds}, then closes the pool and Vert.x. */
    static void close(Vertx vertx, HttpServer server, WorkerExecutor pool, int graceSeconds) {
        try {
            server.shutdown(graceSeconds, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture()
                    .get(graceSeconds + 5L, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("graceful shutdown did not finish: {}", rootMessage(e));
        }
        pool.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("vert.x did not close cleanly: {}", rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
