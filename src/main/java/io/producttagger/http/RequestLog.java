package io.producttagger.http;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every request on a listener goes through around routing: a request id, the request timeout, the body
 * idle timeout (a body that stops arriving gets its 408 long before the request timeout), and, once
 * the answer is out, one access-log line and one count in the metrics, both with the status that was really
 * sent (a connection closed before any answer is logged as {@code closed}, not as the 200 Vert.x would report).
 * Requests refused before routing ({@link ListenerVerticle}) are answered, logged and counted here too.
 *
 * <p>Metric labels come from closed sets, so hostile requests cannot create series: the route is one of the
 * router's path templates (or {@code unmatched}, or {@code unrouted} before routing) and the method one of the
 * standard methods (or {@code other}).
 */
final class RequestLog {

    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
            "TRACE", "CONNECT");
    /** The status label of a request whose connection closed before an answer. */
    static final String CLOSED = "closed";

    private final Router router;
    private final TaggerMetrics metrics;
    private final long requestTimeoutMs;
    private final String timeoutDetail;
    private final long bodyIdleMs;
    private final String bodyIdleDetail;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile List<Template> templates;
    private volatile Consumer<HttpConnection> answered = c -> {};

    private record Template(Pattern pattern, String label) {}

    /**
     * Installs the first handler of {@code router}.
     *
     * @param metrics where requests are counted, or null for a listener without metrics (the admin one)
     * @param requestTimeoutMs how long a request may take before it gets a 408 (unless its answer has begun)
     * @param timeoutKey the configuration key of that limit, for the 408's detail
     * @param bodyIdleMs the longest gap between two reads of a body (the first one's after the head included)
     *     before the request gets a 408
     * @param bodyIdleKey the configuration key of that limit, for the 408's detail
     */
    RequestLog(Router router, TaggerMetrics metrics, long requestTimeoutMs, String timeoutKey, long bodyIdleMs,
            String bodyIdleKey) {
        this.router = router;
        this.metrics = metrics;
        this.requestTimeoutMs = requestTimeoutMs;
        this.timeoutDetail = "the request did not complete within " + requestTimeoutMs + " ms (" + timeoutKey
                + "); was the body cut short, or sent too slowly?";
        this.bodyIdleMs = bodyIdleMs;
        this.bodyIdleDetail = "the request body stopped arriving: no byte of it for " + bodyIdleMs + " ms ("
                + bodyIdleKey + "); was it cut short? Send the whole body again";
        router.route().order(Integer.MIN_VALUE).handler(this::begin);
    }

    /** Tells {@code listener} about every connection whose answer has been sent. */
    void onAnswered(Consumer<HttpConnection> listener) {
        this.answered = listener;
    }

    /** Returns whether any request is being handled right now. */
    boolean hasRequestsInFlight() {
        return inFlight.get() > 0;
    }

    private void begin(RoutingContext ctx) {
        String id = ctx.request().getHeader("X-Request-Id");
        if (id == null || id.isBlank() || id.length() > 128) {
            id = UUID.randomUUID().toString();
        }
        String requestId = id;
        long start = System.nanoTime();
        ctx.put("requestId", requestId);
        ctx.response().putHeader("X-Request-Id", requestId);
        inFlight.incrementAndGet();
        long timer = ctx.vertx().setTimer(requestTimeoutMs, t -> timedOut(ctx, timeoutDetail));
        long bodyTimer = hasBody(ctx.request()) ? watchBody(ctx) : -1;
        ctx.addEndHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            if (bodyTimer >= 0) {
                ctx.vertx().cancelTimer(bodyTimer);
            }
            inFlight.decrementAndGet();
            boolean sent = ctx.response().ended();
            record(ctx.request(), route(ctx.request().path()), sent ? Integer.toString(ctx.response().getStatusCode())
                    : CLOSED, System.nanoTime() - start, requestId);
            if (sent) {
                answered.accept(ctx.request().connection());
            }
        });
        try {
            ctx.queryParams(); // decoded once here, so a bad query is the same 400 on every route
        } catch (io.vertx.ext.web.handler.HttpException e) {
            ctx.fail(HttpProblem.badRequest("the query string is not valid percent-encoding (" + (e.getCause() == null
                    ? e.getMessage() : e.getCause().getMessage()) + "); write '%' as %25 and encode other special "
                    + "characters as %XX"));
            return;
        }
        ctx.next();
    }

    /** Whether a body is still to come: one is announced (a length above zero, or chunks) and has not ended. */
    private static boolean hasBody(HttpServerRequest req) {
        if (req.isEnded()) {
            return false;
        }
        if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            return true;
        }
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        return length != null && !length.trim().equals("0");
    }

    /**
     * Answers 408 when no byte of the body arrives for {@code bodyIdleMs}. Whoever reads the body (a body
     * handler, a route's own parser) need not report to it: a check every quarter of the limit compares the bytes
     * Vert.x has read for the body, so a stalled body is answered between one and one and a quarter limits after
     * its last byte. The check stops with the body or the answer. A body the service itself held back (a paused
     * request) would count as stopped, so routes read bodies as they come, as a body handler does.
     *
     * @return the timer, to cancel when the request ends
     */
    private long watchBody(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        long limitNanos = bodyIdleMs * 1_000_000L;
        long[] read = {req.bytesRead()};
        long[] lastRead = {System.nanoTime()};
        return ctx.vertx().setPeriodic(Math.max(1, bodyIdleMs / 4), id -> {
            if (req.isEnded() || ctx.response().ended() || ctx.response().closed()) {
                ctx.vertx().cancelTimer(id);
            } else if (req.bytesRead() != read[0]) {
                read[0] = req.bytesRead();
                lastRead[0] = System.nanoTime();
            } else if (System.nanoTime() - lastRead[0] >= limitNanos) {
                ctx.vertx().cancelTimer(id);
                timedOut(ctx, bodyIdleDetail);
            }
        });
    }

    /**
     * A 408 for a request not answered in time: its body stopped arriving, or it is still being handled. An
     * answer already under way (a stream of events) is left alone; the connection's idle timeout guards it.
     */
    private void timedOut(RoutingContext ctx, String detail) {
        if (ctx.response().headWritten() || ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (!ctx.request().isEnded()) {
            ctx.request().resume();
        }
        ctx.fail(new HttpProblem(408, detail));
    }

    /** Answers a request refused before routing with its problem, logs and counts it, and closes the connection. */
    void refuse(HttpServerRequest req, Problem problem) {
        long start = System.nanoTime();
        String requestId = UUID.randomUUID().toString();
        req.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .putHeader("X-Request-Id", requestId).putHeader("Connection", "close")
                .end(problem.toJson().encode()).onComplete(ar -> req.connection().close());
        record(req, "unrouted", Integer.toString(problem.status()), System.nanoTime() - start, requestId);
    }

    private void record(HttpServerRequest req, String route, String status, long nanos, String requestId) {
        String method = req.method() == null ? "other" : req.method().name();
        if (metrics != null) {
            metrics.request(route, METHODS.contains(method) ? method : "other", status, nanos);
        }
        ACCESS.info("{} {} {} {} {}ms id={}", req.remoteAddress(), method, req.uri(), status,
                String.format("%.1f", nanos / 1e6), requestId);
    }

    /** The router's path template that matches {@code path}, or {@code unmatched}. */
    private String route(String path) {
        List<Template> t = templates;
        if (t == null) {
            // built on first use: by then every route has been added
            List<Template> built = new ArrayList<>();
            for (Route r : router.getRoutes()) {
                if (r.getPath() != null && !r.isRegexPath()) {
                    String regex = Pattern.quote(r.getPath()).replaceAll(":([A-Za-z]+)", "\\\\E[^/]+\\\\Q");
                    built.add(new Template(Pattern.compile(regex), r.getPath()));
                }
            }
            templates = t = List.copyOf(built);
        }
        if (path != null) {
            for (Template template : t) {
                if (template.pattern().matcher(path).matches()) {
                    return template.label();
                }
            }
        }
        return "unmatched";
    }
}
