package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.app.TaggerApp;
import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.data.LabeledImages;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real server, wired as in production, on a random port with the committed clothing model as its default. */
class ServerTest {

    private static TaggerApp app;
    private static ListenerVerticle server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LabeledImages test;

    @BeforeAll
    static void start() throws Exception {
        TestSupport.offline();
        test = TestSupport.fashionTest();
        app = TestSupport.serve(TestSupport.serviceConfig(Map.of(), "model.name", "fashion", "server.max-body-bytes",
                "2000000", "server.max-images", "4", "server.request-timeout-ms", "3000"));
        server = app.publicListener();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String type, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProblem(HttpResponse<String> r, int status) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
        JsonObject p = new JsonObject(r.body());
        assertEquals(status, p.getInteger("status"));
        assertTrue(p.getString("detail").length() > 10, "a detail for people: " + p);
    }

    @Test
    void classifiesRawPhotosWithTheRightCategory() throws Exception {
        int right = 0;
        int n = 40;
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = post("/v1/classify", "image/jpeg", TestSupport.photo(test, i, 420, ".jpg"));
            assertEquals(200, r.statusCode(), r.body());
            JsonObject body = new JsonObject(r.body());
            assertEquals("fashion", body.getString("model"));
            JsonObject result = body.getJsonArray("results").getJsonObject(0);
            String top = result.getJsonArray("labels").getJsonObject(0).getString("label");
            right += top.equals(FashionMnist.LABELS.get(test.labels()[i])) ? 1 : 0;
            assertTrue(result.getJsonObject("timings").getDouble("inferenceMs") > 0);
        }
        assertTrue(right >= n * 0.8, right + " of " + n + " right");
    }

    @Test
    void curlDataBinaryWithoutContentTypeIsReadAsTheImage() throws Exception {
        // curl --data-binary @photo.jpg sends application/x-www-form-urlencoded unless told otherwise
        HttpResponse<String> r = post("/v1/classify", "application/x-www-form-urlencoded",
                TestSupport.photo(test, 5, 300, ".jpg"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, new JsonObject(r.body()).getJsonArray("results").size());
    }

    @Test
    void unterminatedMultipartBodyIsA400AtOnceInsteadOfHanging() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = post("/v1/classify", "multipart/form-data; boundary=xyz",
                "--xyz\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\nabc"
                        .getBytes(StandardCharsets.UTF_8));
        assertProblem(r, 400);
        assertTrue(new JsonObject(r.body()).getString("detail").contains("closing boundary"), r.body());
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "answered before the 3 s request timeout");
    }

    @Test
    void labelsAreSortedAndCutByTopKAndThreshold() throws Exception {
        byte[] img = TestSupport.photo(test, 0, 300, ".png");
        JsonArray five = labels(post("/v1/classify", "image/png", img));
        assertEquals(5, five.size());
        for (int i = 1; i < five.size(); i++) {
            assertTrue(five.getJsonObject(i - 1).getDouble("score") >= five.getJsonObject(i).getDouble("score"));
        }
        assertEquals(2, labels(post("/v1/classify?topK=2", "image/png", img)).size());
        JsonArray sure = labels(post("/v1/classify?topK=10&threshold=0.05", "image/png", img));
        for (int i = 0; i < sure.size(); i++) {
            assertTrue(sure.getJsonObject(i).getDouble("score") >= 0.05);
        }
        assertTrue(sure.size() < 10);
    }

    private static JsonArray labels(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body()).getJsonArray("results").getJsonObject(0).getJsonArray("labels");
    }

    @Test
    void multipartTagsEachImageAndABrokenOneFailsAlone() throws Exception {
        Map<String, byte[]> parts = new LinkedHashMap<>();
        parts.put("a.jpg", TestSupport.photo(test, 1, 300, ".jpg"));
        parts.put("broken.jpg", "this is not an image".getBytes(StandardCharsets.UTF_8));
        parts.put("c.png", TestSupport.photo(test, 2, 300, ".png"));
        HttpResponse<String> r = multipart("/v1/classify?topK=1", parts);
        assertEquals(200, r.statusCode(), r.body());
        JsonArray results = new JsonObject(r.body()).getJsonArray("results");
        assertEquals(3, results.size());
        assertEquals("a.jpg", results.getJsonObject(0).getString("name"));
        assertEquals(1, results.getJsonObject(0).getJsonArray("labels").size());
        JsonObject error = results.getJsonObject(1).getJsonObject("error");
        assertTrue(error.getInteger("status") >= 400 && error.getInteger("status") < 500, error.encode());
        assertEquals(1, results.getJsonObject(2).getJsonArray("labels").size());
    }

    @Test
    void rejectsMoreImagesThanTheConfiguredCount() throws Exception {
        Map<String, byte[]> parts = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            parts.put(i + ".jpg", TestSupport.photo(test, i, 100, ".jpg"));
        }
        assertProblem(multipart("/v1/classify", parts), 413);
    }

    @Test
    void rejectsUnsupportedMediaTypeWith415() throws Exception {
        assertProblem(post("/v1/classify", "text/plain", "hello".getBytes(StandardCharsets.UTF_8)), 415);
    }

    @Test
    void rejectsGarbageClaimingToBeAnImageWith4xx() throws Exception {
        HttpResponse<String> r = post("/v1/classify", "image/jpeg", new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertTrue(r.statusCode() == 415 || r.statusCode() == 422, r.body());
        assertProblem(r, r.statusCode());
    }

    @Test
    void rejectsEmptyBodyWith400() throws Exception {
        assertProblem(post("/v1/classify", "image/jpeg", new byte[0]), 400);
    }

    @Test
    void rejectsBadParametersWith400() throws Exception {
        byte[] img = TestSupport.photo(test, 0, 100, ".jpg");
        assertProblem(post("/v1/classify?topK=zero", "image/jpeg", img), 400);
        assertProblem(post("/v1/classify?threshold=2", "image/jpeg", img), 400);
    }

    @Test
    void rejectsBodyOverTheLimitWith413() throws Exception {
        assertProblem(post("/v1/classify", "image/jpeg", new byte[2_500_000]), 413);
    }

    @Test
    void unknownModelAndRouteAre404Problems() throws Exception {
        byte[] img = TestSupport.photo(test, 0, 100, ".jpg");
        assertProblem(post("/v1/classify?model=nosuch", "image/jpeg", img), 404);
        assertProblem(post("/v1/classify?model=fashion@999", "image/jpeg", img), 404);
        assertProblem(get("/v1/nothing-here"), 404);
        assertProblem(get("/v1/models/nosuch"), 404);
    }

    @Test
    void malformedModelNamesAre400sNot404s() throws Exception {
        byte[] img = TestSupport.photo(test, 0, 100, ".jpg");
        for (String spec : new String[] {"..", "fashion@..%2F..", "a%2Fb", "fashion@1@2", "-x"}) {
            HttpResponse<String> r = post("/v1/classify?model=" + spec, "image/jpeg", img);
            assertProblem(r, 400);
            assertEquals(Problem.TYPE_PREFIX + "invalid_model_name", new JsonObject(r.body()).getString("type"),
                    spec + ": " + r.body());
        }
        assertEquals(Problem.TYPE_PREFIX + "invalid_model_name",
                new JsonObject(get("/v1/models/a..b").body()).getString("type"));
    }

    @Test
    void problemTypesCarryTheMachineReadableReason() throws Exception {
        Map<String, HttpResponse<String>> byReason = new LinkedHashMap<>();
        byte[] img = TestSupport.photo(test, 0, 100, ".jpg");
        byReason.put("unknown_model", post("/v1/classify?model=nosuch", "image/jpeg", img));
        byReason.put("unsupported_format", post("/v1/classify", "image/jpeg", "not an image at all".getBytes()));
        byReason.put("truncated", post("/v1/classify", "image/jpeg", java.util.Arrays.copyOf(img, img.length / 2)));
        byReason.put("not_found", get("/v1/nothing-here"));
        byReason.put("unsupported_media_type", post("/v1/classify", "text/plain", img));
        byReason.forEach((reason, r) -> assertEquals(Problem.TYPE_PREFIX + reason,
                new JsonObject(r.body()).getString("type"), r.body()));
    }

    @Test
    void modelsDescribeLabelsInputAndServingVersion() throws Exception {
        HttpResponse<String> r = get("/v1/models/fashion");
        assertEquals(200, r.statusCode(), r.body());
        JsonObject m = new JsonObject(r.body());
        assertEquals(FashionMnist.LABELS, m.getJsonArray("labels").getList());
        assertEquals(28, m.getJsonObject("input").getInteger("width"));
        assertTrue(m.getJsonObject("metrics").getDouble("top1") >= 0.94);
        JsonObject all = new JsonObject(get("/v1/models").body());
        assertEquals("fashion", all.getString("default"));
    }

    @Test
    void healthAndRequestIds() throws Exception {
        assertEquals(200, get("/health/live").statusCode());
        assertEquals(200, get("/health/ready").statusCode());
        assertEquals(200, get("/health").statusCode());
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/health/live")).header("X-Request-Id",
                "abc-123").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("abc-123", r.headers().firstValue("X-Request-Id").orElse(""));
        assertTrue(get("/health/live").headers().firstValue("X-Request-Id").orElse("").length() > 8);
    }

    @Test
    void openApiDocumentsExactlyTheRoutesTheRouterServes() throws Exception {
        HttpResponse<String> r = get("/openapi.yaml");
        assertEquals(200, r.statusCode());
        assertEquals(server.routes(), TestSupport.documentedRoutes(r.body()));
    }

    @Test
    void metricsExposeRequestsStagesAndQueue() throws Exception {
        post("/v1/classify", "image/jpeg", TestSupport.photo(test, 3, 200, ".jpg"));
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        for (String name : new String[] {"http_server_requests_seconds_count", "tagger_decode_seconds_bucket",
                "tagger_preprocess_seconds_bucket", "tagger_queue_wait_seconds_bucket",
                "tagger_inference_seconds_bucket", "tagger_queue_depth"}) {
            assertTrue(r.body().contains(name), name + " missing from /metrics");
        }
        assertTrue(r.body().contains("route=\"/v1/classify\""), "requests by route");
    }

    private static HttpResponse<String> multipart(String path, Map<String, byte[]> files) throws Exception {
        MultipartImages m = MultipartImages.of(files);
        return post(path, m.contentType(), m.body());
    }
}
