package io.producttagger.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** {@code GET /metrics} (Prometheus text) and {@code GET /openapi.yaml} (the API description). */
public final class OpsRoutes implements RouteProvider {

    /** The classpath resource of the OpenAPI document. */
    static final String OPENAPI = "/openapi.yaml";

    private final TaggerMetrics metrics;
    private final Buffer openapi;

    /** Creates the routes over the metrics, with the public OpenAPI document read from the jar. */
    public OpsRoutes(TaggerMetrics metrics) {
        this.metrics = metrics;
        this.openapi = Buffer.buffer(classpathText(OPENAPI));
    }

    /** Reads a text resource (an OpenAPI document) from the classpath. */
    static String classpathText(String resource) {
        try (InputStream in = OpsRoutes.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the classpath");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void addRoutes(Router router) {
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml")
                .end(openapi));
    }
}
