package io.producttagger.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Lets a request through only with {@code Authorization: Bearer TOKEN}; otherwise a 401 problem with
 * {@code WWW-Authenticate: Bearer}. Both sides are hashed before a constant-time comparison, so neither the
 * token's content nor its length leaks through timing.
 */
public final class AdminAuth implements Handler<RoutingContext>, RouteProvider {

    private final byte[] expected;

    /**
     * Creates the check.
     *
     * @param token the admin token ({@code admin.token}); must not be empty
     */
    public AdminAuth(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("the admin token is empty");
        }
        this.expected = sha256(token);
    }

    /** Puts the check in front of every route added after it (the console's files, added before, stay open). */
    @Override
    public void addRoutes(io.vertx.ext.web.Router router) {
        router.route().handler(this);
    }

    @Override
    public void handle(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        String given = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = header.substring(7).trim();
        }
        if (given == null || given.isEmpty()) {
            ctx.fail(new HttpProblem(401, "admin calls need 'Authorization: Bearer TOKEN' with the admin token "
                    + "(admin.token, TAGGER_ADMIN_TOKEN)"));
            return;
        }
        if (!MessageDigest.isEqual(expected, sha256(given))) {
            ctx.fail(new HttpProblem(401, "the bearer token is not the admin token (admin.token, TAGGER_ADMIN_TOKEN)"));
            return;
        }
        ctx.next();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
