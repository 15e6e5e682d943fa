package io.producttagger.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener as a verticle, the same class for the public and the admin listener: its connection limits,
 * what happens to a request before the router sees it, its route providers in order, one failure handler, and
 * binding and graceful closing. The composition root deploys both on the process's one {@link Vertx}.
 *
 * <p>Before routing: a request Netty could not parse (400), whose request line or headers are too long (414,
 * 431), whose HTTP version is neither 1.0 nor 1.1 (505) or that asks for a WebSocket (404: the service has no
 * WebSocket endpoint) gets an {@code application/problem+json} answer, is logged and counted like any other,
 * and its connection is closed. A connection must deliver a complete request head within the idle timeout of
 * opening or of its previous answer (so a request line without CRLF, headers that never finish, slowloris, an
 * idle keep-alive connection or a TLS handshake on the plain port are closed), and one with no traffic for that
 * long is closed too. Once the head is in, a body must keep arriving: a gap of the body idle timeout gets a 408
 * ({@link RequestLog}). Cleartext HTTP/2 upgrades are off: the service speaks HTTP/1.1, and Vert.x answered a
 * half-formed {@code Upgrade: h2c} with a 400 that never ended.
 *
 * <p>Each HTTP/1.x connection's requests come straight to this listener: when a connection opens, the listener
 * takes the place of Vert.x's own per-connection dispatch, through Vert.x's internal {@code HttpServerConnection}
 * (no public API reaches it). That dispatch cannot give both refusals a problem: with any WebSocket handler set it
 * answers every request carrying {@code Upgrade: websocket} itself, in plain text (400, 405, 426, or the status
 * the handler rejects with) that is neither a problem nor logged, and without one it answers other HTTP versions
 * 501 with an empty body. {@code HostileHttpTest} fails if a Vert.x upgrade changes that.
 */
public final class ListenerVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerVerticle.class);

    private final String name;
    private final String host;
    private final int port;
    private final long idleTimeoutMs;
    private final long requestTimeoutMs;
    private final String requestTimeoutKey;
    private final long bodyIdleTimeoutMs;
    private final String bodyIdleTimeoutKey;
    private final boolean compression;
    private final TaggerMetrics metrics;
    private final String bodyLimitDetail;
    private final int graceSeconds;
    private final List<RouteProvider> providers;
    private volatile Router router;
    private volatile RequestLog log;
    private volatile HttpServer server;

    private ListenerVerticle(Builder b) {
        this.name = b.name;
        this.host = b.host;
        this.port = b.port;
        this.idleTimeoutMs = b.idleTimeoutMs;
        this.requestTimeoutMs = b.requestTimeoutMs;
        this.requestTimeoutKey = b.requestTimeoutKey;
        this.bodyIdleTimeoutMs = b.bodyIdleTimeoutMs;
        this.bodyIdleTimeoutKey = b.bodyIdleTimeoutKey;
        this.compression = b.compression;
        this.metrics = b.metrics;
        this.bodyLimitDetail = b.bodyLimitDetail;
        this.graceSeconds = b.graceSeconds;
        this.providers = List.copyOf(b.providers);
    }

    /** Returns a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds the router from the providers and binds; completes once the port is bound. */
    @Override
    public Future<?> start() {
        Router r = Router.router(vertx);
        RequestLog requests = new RequestLog(r, metrics, requestTimeoutMs, requestTimeoutKey, bodyIdleTimeoutMs,
                bodyIdleTimeoutKey);
        providers.forEach(p -> p.addRoutes(r));
        new FailureHandler(bodyLimitDetail).install(r);
        this.router = r;
        this.log = requests;
        long silentMs = Math.min(Integer.MAX_VALUE, idleTimeoutMs + requestTimeoutMs);
        HttpServerOptions options = new HttpServerOptions().setCompressionSupported(compression)
                .setHttp2ClearTextEnabled(false)
                .setIdleTimeout((int) silentMs).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        HttpServer s = vertx.createHttpServer(options);
        HeadDeadlines deadlines = new HeadDeadlines(vertx, idleTimeoutMs);
        requests.onAnswered(deadlines::answered);
        Handler<HttpServerRequest> dispatch = req -> {
            deadlines.headReceived(req.connection());
            notServed(req).ifPresentOrElse(p -> requests.refuse(req, p), () -> r.handle(req));
        };
        s.connectionHandler(conn -> {
            deadlines.opened(conn);
            if (conn instanceof io.vertx.core.http.impl.HttpServerConnection http1) {
                http1.handler(dispatch);
            }
        });
        s.invalidRequestHandler(req -> {
            deadlines.headReceived(req.connection());
            Throwable cause = req.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException) {
                requests.refuse(req, new Problem(414, Problem.titleFor(414), "the request line is longer than "
                        + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + " bytes; shorten the URI or its query"));
            } else if (cause instanceof TooLongHttpHeaderException) {
                requests.refuse(req, new Problem(431, Problem.titleFor(431), "the request headers are larger "
                        + "than " + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes in total"));
            } else {
                requests.refuse(req, new Problem(400, Problem.titleFor(400), "the request is not well-formed "
                        + "HTTP/1.1" + (cause == null || cause.getMessage() == null ? ""
                        : ": " + firstLine(cause.getMessage()))));
            }
        });
        // Vert.x wants a request handler to listen; requests reach it only where the connection handler above could
        // not take a connection's dispatch over
        s.requestHandler(dispatch);
        this.server = s;
        return s.listen(port, host)
                .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + host + ":" + port
                        + ": " + rootMessage(e), e)))
                .onSuccess(bound -> LOG.info("{} listening on http://{}:{}", name, host, bound.actualPort()));
    }

    /** The problem of a request for what the service does not speak (another HTTP version, a WebSocket), if it is one. */
    private static Optional<Problem> notServed(HttpServerRequest req) {
        if (req.version() == null) {
            return Optional.of(new Problem(505, Problem.titleFor(505), "only HTTP/1.1 and HTTP/1.0 are served; send "
                    + "the request as HTTP/1.1"));
        }
        if (req.headers().contains(HttpHeaders.UPGRADE, HttpHeaders.WEBSOCKET, true)) {
            return Optional.of(new Problem(404, Problem.titleFor(404), "the service has no WebSocket endpoint: it "
                    + "speaks HTTP/1.1 only (its event streams are server-sent events); send the request without "
                    + "'Upgrade: websocket'"));
        }
        return Optional.empty();
    }

    /** Stops accepting connections and lets in-flight requests finish, for up to the grace period. */
    @Override
    public Future<?> stop() {
        HttpServer s = server;
        if (s == null) {
            return Future.succeededFuture();
        }
        return s.shutdown(graceSeconds, TimeUnit.SECONDS)
                .recover(e -> {
                    LOG.warn("{}: graceful shutdown did not finish: {}", name, rootMessage(e));
                    return Future.succeededFuture();
                });
    }

    /** Returns the bound port (once started). */
    public int port() {
        return server.actualPort();
    }

    /** Returns whether any request is being handled right now. */
    public boolean hasRequestsInFlight() {
        return log.hasRequestsInFlight();
    }

    /**
     * Returns the API's routes (what the listener's OpenAPI document describes) as {@code METHOD /path} with
     * OpenAPI-style {@code {param}} placeholders, sorted; a path with one route per accepted media type appears
     * once per route. Static files are {@link #fileRoutes()}.
     */
    public List<String> routes() {
        return RouteList.of(router, filePaths(), false);
    }

    /** Returns the routes of the static files (a web console's page and files), sorted. */
    public List<String> fileRoutes() {
        return RouteList.of(router, filePaths(), true);
    }

    private List<String> filePaths() {
        List<String> paths = new ArrayList<>();
        providers.forEach(p -> paths.addAll(p.filePaths()));
        return paths;
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

    /** Builds a listener: {@code set*} required, {@code opt*} optional, checked in {@link #build()}. */
    public static final class Builder {
        private String name = "listener";
        private String host;
        private Integer port;
        private long idleTimeoutMs = -1;
        private long requestTimeoutMs = -1;
        private String requestTimeoutKey;
        private long bodyIdleTimeoutMs = -1;
        private String bodyIdleTimeoutKey;
        private boolean compression;
        private TaggerMetrics metrics;
        private String bodyLimitDetail = FailureHandler.SERVER_BODY_LIMIT;
        private int graceSeconds = 30;
        private final List<RouteProvider> providers = new ArrayList<>();

        private Builder() {}

        /** Sets the interface and port to bind (port 0: any free port). */
        public Builder setAddress(String host, int port) {
            this.host = host;
            this.port = port;
            return this;
        }

        /**
         * Sets the timeouts.
         *
         * @param idleMs how long a connection may wait for a complete request head, or stay silent
         * @param requestMs how long a request may take before it is answered 408
         * @param requestKey the configuration keys of the request timeout, named in the 408's detail
         */
        public Builder setTimeouts(long idleMs, long requestMs, String requestKey) {
            this.idleTimeoutMs = idleMs;
            this.requestTimeoutMs = requestMs;
            this.requestTimeoutKey = requestKey;
            return this;
        }

        /**
         * Sets the longest gap between two reads of a request body (the wait for its first byte after the head
         * included); a body that stops for longer is answered 408 and its connection closed.
         *
         * @param ms the gap in milliseconds
         * @param key the configuration keys of the limit, named in the 408's detail
         */
        public Builder setBodyIdleTimeout(long ms, String key) {
            this.bodyIdleTimeoutMs = ms;
            this.bodyIdleTimeoutKey = key;
            return this;
        }

        /** Names the listener in logs ({@code "public"}, {@code "admin"}). */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /** Lets responses be compressed. */
        public Builder optCompression(boolean compression) {
            this.compression = compression;
            return this;
        }

        /** Counts requests in these metrics (none by default). */
        public Builder optMetrics(TaggerMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /** Sets what a 413 says: which body limits this listener has and how to change them. */
        public Builder optBodyLimitDetail(String detail) {
            this.bodyLimitDetail = detail;
            return this;
        }

        /** Sets how long in-flight requests may take to finish when the listener stops (30 s by default). */
        public Builder optGraceSeconds(int seconds) {
            this.graceSeconds = seconds;
            return this;
        }

        /** Adds route providers, in the order their routes are matched. */
        public Builder addRoutes(RouteProvider... add) {
            providers.addAll(List.of(add));
            return this;
        }

        /** Returns the listener (not yet deployed). */
        public ListenerVerticle build() {
            validate();
            return new ListenerVerticle(this);
        }

        private void validate() {
            if (host == null || port == null || port < 0 || port > 65535) {
                throw new IllegalArgumentException("a listener needs a host and a port in 0..65535");
            }
            if (idleTimeoutMs <= 0 || requestTimeoutMs <= 0 || requestTimeoutKey == null || bodyIdleTimeoutMs <= 0
                    || bodyIdleTimeoutKey == null) {
                throw new IllegalArgumentException("a listener needs its idle, request and body idle timeouts");
            }
            if (providers.isEmpty()) {
                throw new IllegalArgumentException("a listener without routes answers nothing but 404");
            }
            if (graceSeconds < 0) {
                throw new IllegalArgumentException("the grace period must be >= 0");
            }
        }
    }
}
