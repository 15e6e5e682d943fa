package io.producttagger.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A fixed set of the web console's static files, read from the class path once and served from memory: no file
 * system lookup per request (so no path a request could steer), no cache folder on disk. Every answer carries a
 * Content-Security-Policy that allows scripts, styles and connections from the console's own origin only (no
 * inline script, no other origin), and an ETag so a reload costs a 304.
 */
final class ConsoleAssets {

    /** The policy of every console file: same-origin scripts, styles and API calls; thumbnails from blob URLs. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    private record Asset(String contentType, Buffer bytes, String etag) {}

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    /**
     * Reads the files.
     *
     * @param files URL path to class-path resource
     * @throws IllegalStateException when a resource is missing from the class path (a broken build)
     */
    ConsoleAssets(Map<String, String> files) {
        files.forEach((path, resource) -> {
            byte[] bytes = read(resource);
            assets.put(path, new Asset(contentType(resource), Buffer.buffer(bytes), "\"" + sha256(bytes) + "\""));
        });
    }

    /** Adds a {@code GET} route per file. */
    void addRoutes(Router router) {
        assets.forEach((path, asset) -> router.get(path).handler(ctx -> serve(ctx, asset)));
    }

    /** Returns the URL paths served. */
    List<String> paths() {
        return List.copyOf(assets.keySet());
    }

    private static void serve(RoutingContext ctx, Asset asset) {
        ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("ETag", asset.etag());
        if (asset.etag().equals(ctx.request().getHeader("If-None-Match"))) {
            ctx.response().setStatusCode(304).end();
            return;
        }
        ctx.response().putHeader("Content-Type", asset.contentType()).end(asset.bytes());
    }

    private static byte[] read(String resource) {
        try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the console file " + resource + " is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String contentType(String resource) {
        String name = resource.toLowerCase(Locale.ROOT);
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        throw new IllegalArgumentException("no media type known for the console file " + resource);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
