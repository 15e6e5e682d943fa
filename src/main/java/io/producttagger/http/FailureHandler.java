package io.producttagger.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes every failed request as {@code application/problem+json}; the only failure handler of the router. */
final class FailureHandler implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);

    /** What a 413 says on the public listener. */
    static final String SERVER_BODY_LIMIT = "the request body is larger than the limit (server.max-body-bytes, "
            + "TAGGER_SERVER_MAX_BODY_BYTES)";

    private final String bodyLimitDetail;

    /** Creates the handler of the public listener. */
    FailureHandler() {
        this(SERVER_BODY_LIMIT);
    }

    /**
     * Creates a handler whose 413 names the listener's own body limits.
     *
     * @param bodyLimitDetail the detail of a 413: which limit was exceeded and how to change it
     */
    FailureHandler(String bodyLimitDetail) {
        this.bodyLimitDetail = bodyLimitDetail;
    }

    /** Statuses the router produces itself (no route, wrong method or type, a body handler limit, a bad query). */
    private static final int[] ROUTER_STATUSES = {400, 404, 405, 406, 408, 413, 414, 415, 431, 500, 501, 503};

    /** Makes this the failure handler of every route and of the router's own errors. */
    void install(io.vertx.ext.web.Router router) {
        router.route().failureHandler(this);
        for (int status : ROUTER_STATUSES) {
            router.errorHandler(status, this);
        }
    }

    @Override
    public void handle(RoutingContext ctx) {
        Problem problem;
        if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException) {
            // the client went away: there is no one to answer, and nothing failed on this side
            LOG.debug("request {} {}: the connection closed before the answer", ctx.request().method(),
                    ctx.request().path());
            return;
        }
        if (ctx.failure() != null) {
            problem = Problem.of(ctx.failure(), ctx.statusCode());
            if (problem.status() >= 500 && problem.status() != 503) {
                LOG.error("request {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
            }
        } else {
            int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            problem = new Problem(status, Problem.titleFor(status), detailFor(ctx, status));
        }
        send(ctx, problem);
    }

    static void send(RoutingContext ctx, Problem problem) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (problem.status() == 401) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"admin\"");
        }
        if (problem.status() == 503) {
            ctx.response().putHeader("Retry-After", Integer.toString(Problem.RETRY_AFTER_SECONDS));
        }
        if (problem.status() == 408) {
            // the rest of a timed-out body will never be read: the connection closes once the 408 is out
            ctx.response().putHeader("Connection", "close");
        }
        ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(problem.toJson().encode()).onComplete(ar -> {
                    if (problem.status() == 408) {
                        ctx.request().connection().close();
                    }
                });
    }

    private String detailFor(RoutingContext ctx, int status) {
        return switch (status) {
            case 404 -> "no route for " + ctx.request().method() + " " + ctx.request().path();
            case 405 -> ctx.request().method() + " is not allowed on " + ctx.request().path();
            case 415 -> "the Content-Type '" + ctx.request().getHeader("Content-Type") + "' is not accepted by "
                    + ctx.request().method() + " " + ctx.request().path();
            case 408 -> "the request did not complete in time (server.request-timeout-ms, "
                    + "TAGGER_SERVER_REQUEST_TIMEOUT_MS); was the body cut short?";
            case 413 -> bodyLimitDetail;
            default -> Problem.titleFor(status);
        };
    }
}
