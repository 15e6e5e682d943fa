package io.producttagger.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener, the same for the public and the admin server: its connection limits, what happens to a
 * request before the router sees it, and binding and graceful closing.
 *
 * <p>Before routing: a request Netty could not parse (400), whose request line or headers are too long (414,
 * 431) or whose HTTP version is neither 1.0 nor 1.1 (505) gets an {@code application/problem+json} answer,
 * is logged and counted like any other, and its connection is closed. A connection must deliver a complete
 * request head within the idle timeout of opening or of its previous answer (so a request line without CRLF,
 * headers that never finish, slowloris, an idle keep-alive connection or a TLS handshake on the plain port are
 * closed), and one with no traffic for that long is closed too. Cleartext HTTP/2 upgrades are off: the service
 * speaks HTTP/1.1, and Vert.x answered a half-formed {@code Upgrade: h2c} with a 400 that never ended.
 */
final class Listener {

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);

    private Listener() {}

    /**
     * Creates a listener (not yet bound) that hands well-formed requests to the router.
     *
     * @param idleTimeoutMs how long a connection may wait for a complete request head
     * @param requestTimeoutMs the listener's request timeout; a connection silent for the idle and the request
     *     timeout together is closed, a backstop behind both (a stalled body gets its 408 first)
     * @param compression whether responses may be compressed
     * @param log the listener's access log, which also installs the router's first handler
     */
    static HttpServer create(Vertx vertx, Router router, long idleTimeoutMs, long requestTimeoutMs,
            boolean compression, RequestLog log) {
        long silentMs = Math.min(Integer.MAX_VALUE, idleTimeoutMs + requestTimeoutMs);
        HttpServerOptions options = new HttpServerOptions().setCompressionSupported(compression)
                .setHttp2ClearTextEnabled(false)
                .setIdleTimeout((int) silentMs).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        HttpServer server = vertx.createHttpServer(options);
        HeadDeadlines deadlines = new HeadDeadlines(vertx, idleTimeoutMs);
        log.onAnswered(deadlines::answered);
        server.connectionHandler(deadlines::opened);
        server.invalidRequestHandler(req -> {
            deadlines.headReceived(req.connection());
            Throwable cause = req.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException) {
                log.refuse(req, new Problem(414, Problem.titleFor(414), "the request line is longer than "
                        + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + " bytes; shorten the URI or its query"));
            } else if (cause instanceof TooLongHttpHeaderException) {
                log.refuse(req, new Problem(431, Problem.titleFor(431), "the request headers are larger "
                        + "than " + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes in total"));
            } else {
                log.refuse(req, new Problem(400, Problem.titleFor(400), "the request is not well-formed HTTP/1.1"
                        + (cause == null || cause.getMessage() == null ? "" : ": " + firstLine(cause.getMessage()))));
            }
        });
        // With a WebSocket handshake handler set, Vert.x hands requests of other HTTP versions to the request
        // handler (which answers 505) instead of answering 501 itself. The service has no WebSocket endpoint.
        server.webSocketHandshakeHandler(handshake -> handshake.reject(404));
        server.requestHandler(req -> {
            deadlines.headReceived(req.connection());
            if (req.version() == null) {
                log.refuse(req, new Problem(505, Problem.titleFor(505), "only HTTP/1.1 and HTTP/1.0 are served; "
                        + "send the request as HTTP/1.1"));
                return;
            }
            router.handle(req);
        });
        return server;
    }

    /**
     * Closes connections that do not deliver a complete request head in time: armed when a connection opens and
     * after each answer, disarmed when a head has arrived.
     */
    private static final class HeadDeadlines {
        private final Vertx vertx;
        private final long timeoutMs;
        private final Map<HttpConnection, Long> timers = new ConcurrentHashMap<>();

        HeadDeadlines(Vertx vertx, long timeoutMs) {
            this.vertx = vertx;
            this.timeoutMs = timeoutMs;
        }

        void opened(HttpConnection conn) {
            conn.closeHandler(v -> disarm(conn));
            arm(conn);
        }

        void headReceived(HttpConnection conn) {
            disarm(conn);
        }

        void answered(HttpConnection conn) {
            arm(conn);
        }

        private void arm(HttpConnection conn) {
            long id = vertx.setTimer(timeoutMs, t -> {
                if (timers.remove(conn, t)) {
                    conn.close();
                }
            });
            Long previous = timers.put(conn, id);
            if (previous != null) {
                vertx.cancelTimer(previous);
            }
        }

        private void disarm(HttpConnection conn) {
            Long id = timers.remove(conn);
            if (id != null) {
                vertx.cancelTimer(id);
            }
        }
    }

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

    private static String firstLine(String m) {
        int nl = m.indexOf('\n');
        String line = nl < 0 ? m : m.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
