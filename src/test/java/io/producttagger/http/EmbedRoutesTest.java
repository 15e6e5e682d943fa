package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.app.TaggerApp;
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

/** {@code POST /v1/embed} on the real server, wired as in production, with the clothing model as its default. */
class EmbedRoutesTest {

    private static TaggerApp app;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LabeledImages test;

    @BeforeAll
    static void start() throws Exception {
        TestSupport.offline();
        test = TestSupport.fashionTest();
        app = TestSupport.serve(TestSupport.serviceConfig(Map.of(), "model.name", "fashion", "server.max-images",
                "4"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static HttpResponse<String> post(String path, String type, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.publicListener().port() + path))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double norm(JsonArray v) {
        double s = 0;
        for (int i = 0; i < v.size(); i++) {
            s += v.getDouble(i) * v.getDouble(i);
        }
        return Math.sqrt(s);
    }

    private static double dot(JsonArray a, JsonArray b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.getDouble(i) * b.getDouble(i);
        }
        return s;
    }

    @Test
    void aRawPhotoGetsOneUnitVectorOfTheStatedDimension() throws Exception {
        HttpResponse<String> r = post("/v1/embed", "image/png", TestSupport.photo(test, 0, 120, ".png"));
        assertEquals(200, r.statusCode(), r.body());
        JsonObject body = new JsonObject(r.body());
        assertEquals("fashion", body.getString("model"));
        assertEquals("1", body.getString("version"));
        JsonArray v = body.getJsonArray("results").getJsonObject(0).getJsonArray("embedding");
        assertEquals(body.getInteger("dimension"), v.size());
        assertTrue(v.size() > 10, "a feature vector, not 10 label scores: " + v.size());
        assertEquals(1.0, norm(v), 1e-3);
    }

    @Test
    void multipartImagesEachGetAVectorOrTheirOwnError() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a.jpg", TestSupport.photo(test, 1, 120, ".jpg"));
        files.put("broken.jpg", "not an image".getBytes(StandardCharsets.UTF_8));
        files.put("a-again.png", TestSupport.photo(test, 1, 120, ".png"));
        HttpResponse<String> r = multipart("/v1/embed?model=fashion@1", files);
        assertEquals(200, r.statusCode(), r.body());
        JsonArray results = new JsonObject(r.body()).getJsonArray("results");
        assertEquals(3, results.size());
        JsonObject error = results.getJsonObject(1).getJsonObject("error");
        assertTrue(error.getInteger("status") >= 400 && error.getInteger("status") < 500, error.encode());
        JsonArray a = results.getJsonObject(0).getJsonArray("embedding");
        JsonArray again = results.getJsonObject(2).getJsonArray("embedding");
        assertTrue(dot(a, again) > 0.95, "the same photo as JPEG and PNG embeds close: " + dot(a, again));
    }

    @Test
    void anUnknownModelIsA404Problem() throws Exception {
        HttpResponse<String> r = post("/v1/embed?model=nosuchmodel", "image/png",
                TestSupport.photo(test, 0, 100, ".png"));
        assertEquals(404, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    }

    private static HttpResponse<String> multipart(String path, Map<String, byte[]> files) throws Exception {
        MultipartImages m = MultipartImages.of(files);
        return post(path, m.contentType(), m.body());
    }
}
