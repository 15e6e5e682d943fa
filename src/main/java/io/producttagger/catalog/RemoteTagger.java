package io.producttagger.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.model.LabelScore;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Tags images against a running server: {@code POST {server}/v1/classify?topK=K} with the image bytes as the
 * body, with retries.
 *
 * <p>A 503 is retried after the server's {@code Retry-After}; connection errors and 502/504 after an
 * exponential backoff with jitter; both at most {@link Retries#maxRetries()} times, after which the run stops
 * (no row is written, so a resumed run tries again). A 400, 413, 415 or 422 refuses that one image: its problem
 * detail becomes the row's error. Any other status (an unknown model's 404, a 500) is about the setup rather
 * than the image and stops the run. How many requests are in flight is bounded by the run's window.
 */
public final class RemoteTagger implements Tagger {

    /**
     * How failed requests are retried.
     *
     * @param maxRetries retries per image after the first attempt
     * @param backoff first backoff after a connection error, doubled on each retry
     * @param maxWait longest single wait, whatever {@code Retry-After} says
     * @param requestTimeout longest a request may take
     */
    public record Retries(int maxRetries, Duration backoff, Duration maxWait, Duration requestTimeout) {
        /** Validates the policy. */
        public Retries {
            if (maxRetries < 0 || backoff.isNegative() || maxWait.isNegative()) {
                throw new IllegalArgumentException("retries and waits must not be negative");
            }
        }

        /** Ten retries from 0.5 s up to 60 s; 60 s per request. */
        public static Retries defaults() {
            return new Retries(10, Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(60));
        }
    }

    private static final Map<String, String> CONTENT_TYPES = Map.of("jpg", "image/jpeg", "jpeg", "image/jpeg",
            "png", "image/png", "webp", "image/webp", "bmp", "image/bmp", "tif", "image/tiff", "tiff", "image/tiff",
            "gif", "image/gif");

    private final URI classify;
    private final HttpClient client;
    private final ObjectMapper json;
    private final ExecutorService pool;
    private final ImageFiles files;
    private final Retries retries;

    /**
     * Creates a tagger for a server.
     *
     * @param server the server's base URL, e.g. {@code http://localhost:8080}
     * @param model a model {@code NAME[@VERSION]} sent as {@code model=}, or null for the server's default
     * @param topK labels per image
     * @param threshold lowest probability reported (sent only when above 0)
     * @param client the HTTP client
     * @param json the JSON mapper
     * @param threads threads that read files
     * @param maxFileBytes largest image file sent
     * @param retries the retry policy
     */
    public RemoteTagger(URI server, String model, int topK, double threshold, HttpClient client, ObjectMapper json, int threads,
            long maxFileBytes, Retries retries) {
        String base = server.toString().replaceAll("/+$", "");
        String query = "topK=" + topK + (threshold > 0 ? "&threshold=" + threshold : "")
                + (model == null || model.isBlank() ? ""
                : "&model=" + URLEncoder.encode(model, StandardCharsets.UTF_8));
        this.classify = URI.create(base + "/v1/classify?" + query);
        this.client = client;
        this.json = json;
        this.pool = ImageFiles.pool("catalog-read", threads);
        this.files = new ImageFiles(maxFileBytes);
        this.retries = retries;
    }

    @Override
    public CompletableFuture<Tagging> tag(CatalogItem item) {
        return CompletableFuture.supplyAsync(() -> files.read(item), pool)
                .thenCompose(bytes -> attempt(item, bytes, 0));
    }

    private CompletableFuture<Tagging> attempt(CatalogItem item, byte[] bytes, int attempt) {
        String type = contentType(item.path());
        HttpRequest request = HttpRequest.newBuilder(classify).timeout(retries.requestTimeout())
                .header("Content-Type", type).header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        if (!(cause instanceof IOException)) {
                            return CompletableFuture.<Tagging>failedFuture(cause);
                        }
                        return retry(item, bytes, attempt, backoff(attempt), "cannot reach " + classify.getHost()
                                + ":" + classify.getPort() + " (" + cause + ")");
                    }
                    int status = response.statusCode();
                    if (status == 200) {
                        return CompletableFuture.completedFuture(parse(response.body()));
                    }
                    if (status == 503) {
                        Duration wait = retryAfter(response).orElse(backoff(attempt));
                        return retry(item, bytes, attempt, wait, "the server is overloaded (503)");
                    }
                    if (status == 502 || status == 504 || status == 408 || status == 429) {
                        Duration wait = retryAfter(response).orElse(backoff(attempt));
                        return retry(item, bytes, attempt, wait, "the server answered " + status);
                    }
                    String detail = problemDetail(response.body());
                    if (status == 400 || status == 413 || status == 415 || status == 422) {
                        return CompletableFuture.<Tagging>failedFuture(new CatalogException.ImageFailed(
                                "server refused the image (" + status + "): " + detail));
                    }
                    return CompletableFuture.<Tagging>failedFuture(new CatalogException(
                            "the server answered " + status + " for " + item.id() + ": " + detail));
                })
                .thenCompose(f -> f);
    }

    private CompletableFuture<Tagging> retry(CatalogItem item, byte[] bytes, int attempt, Duration wait,
            String why) {
        if (attempt >= retries.maxRetries()) {
            return CompletableFuture.failedFuture(new CatalogException(why + "; gave up on " + item.id() + " after "
                    + (attempt + 1) + " attempts (--retries " + retries.maxRetries() + ")"));
        }
        long ms = Math.min(wait.toMillis(), retries.maxWait().toMillis());
        return CompletableFuture.supplyAsync(() -> bytes, CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS))
                .thenCompose(b -> attempt(item, b, attempt + 1));
    }

    private Duration backoff(int attempt) {
        long base = retries.backoff().toMillis() << Math.min(attempt, 16);
        long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        return Duration.ofMillis(Math.min(jittered, retries.maxWait().toMillis()));
    }

    /** Reads {@code Retry-After} as seconds or as an HTTP date. */
    static java.util.Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(v -> {
            String s = v.trim();
            try {
                return java.util.Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(s))));
            } catch (NumberFormatException e) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                    return java.util.Optional.of(d.isNegative() ? Duration.ZERO : d);
                } catch (RuntimeException notADate) {
                    return java.util.Optional.empty();
                }
            }
        });
    }

    private Tagging parse(String body) {
        try {
            JsonNode root = json.readTree(body);
            JsonNode result = root.path("results").path(0);
            if (result.hasNonNull("error")) {
                throw new CatalogException.ImageFailed("server could not tag the image: "
                        + result.path("error").path("detail").asText(result.path("error").toString()));
            }
            List<LabelScore> labels = new ArrayList<>();
            for (JsonNode l : result.path("labels")) {
                labels.add(new LabelScore(l.path("label").asText(), l.path("score").asDouble()));
            }
            return new Tagging(labels, root.path("model").asText(""), root.path("version").asText(""));
        } catch (IOException e) {
            throw new CatalogException("the server's answer is not the expected JSON: " + e.getMessage(), e);
        }
    }

    private String problemDetail(String body) {
        try {
            JsonNode p = json.readTree(body);
            String detail = p.path("detail").asText("");
            String title = p.path("title").asText("");
            return !detail.isEmpty() ? detail : !title.isEmpty() ? title : body;
        } catch (IOException | RuntimeException e) {
            String s = body == null ? "" : body.strip();
            return s.length() > 200 ? s.substring(0, 200) + "..." : s;
        }
    }

    @Override
    public String describe() {
        return "server " + classify.getScheme() + "://" + classify.getAuthority();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** Returns the content type for an image path, from its extension. */
    static String contentType(String path) {
        return CONTENT_TYPES.getOrDefault(CatalogSource.extension(path), "application/octet-stream");
    }
}
