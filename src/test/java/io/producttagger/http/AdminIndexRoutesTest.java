package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.app.TaggerApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's indexes on the real server: a background build of a catalog under the data root that the public
 * {@code /v1/similar} then searches, the listing, deletion, cancelling, and the inputs it refuses.
 */
class AdminIndexRoutesTest {

    private static final String TOKEN = "index-admin-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> PHOTOS = List.of("bird.png", "cat.png", "grace_hopper.png",
            "missvickie_potato_chips.png");

    @TempDir
    static Path tmp;

    private static TaggerApp app;
    private static JsonObject built;

    @BeforeAll
    static void serveAndBuild() throws Exception {
        TestSupport.offline();
        Path data = tmp.resolve("data");
        Path catalog = Files.createDirectories(data.resolve("catalog"));
        Path big = Files.createDirectories(data.resolve("big"));
        for (String photo : PHOTOS) {
            Files.copy(Path.of("test-images/imagenet").resolve(photo), catalog.resolve(photo));
            for (int i = 0; i < 15; i++) {
                Files.copy(Path.of("test-images/imagenet").resolve(photo), big.resolve(i + "-" + photo));
            }
        }
        app = TestSupport.serve(TestSupport.serviceConfig(Map.of("TAGGER_ADMIN_TOKEN", TOKEN),
                "finetune.data-root", data.toString(), "index.dir", tmp.resolve("indexes").toString(),
                "finetune.jobs-dir", tmp.resolve("jobs").toString()));
        HttpResponse<String> r = admin("POST", "/admin/v1/index-builds",
                "{\"index\":\"shop\",\"input\":\"catalog\"}");
        assertEquals(202, r.statusCode(), r.body());
        String status = new JsonObject(r.body()).getString("status");
        assertEquals(status, r.headers().firstValue("Location").orElse(""));
        built = awaitFinished(status);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    private static HttpResponse<String> admin(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.adminListener().port()
                + path)).header("Authorization", "Bearer " + TOKEN);
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject awaitFinished(String status) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = admin("GET", status, null);
            assertEquals(200, r.statusCode(), r.body());
            JsonObject job = new JsonObject(r.body());
            if (List.of("succeeded", "failed", "cancelled").contains(job.getString("state"))) {
                return job;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the build did not finish in 5 minutes");
    }

    @Test
    void aBuildEmbedsEveryPhotoAndPublicSearchFindsTheOriginalFirst() throws Exception {
        assertEquals("succeeded", built.getString("state"), built.encode());
        assertEquals(4, built.getLong("added"), built.encode());
        assertEquals(4, built.getLong("done"), built.encode());
        assertEquals(4, built.getLong("total"), built.encode());
        byte[] crop = TestSupport.croppedJpeg(Path.of("test-images/imagenet/cat.png"));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + app.publicListener().port() + "/v1/similar?index=shop&k=2")).header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(crop)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("cat.png", new JsonObject(r.body()).getJsonArray("results").getJsonObject(0).getString("id"));
    }

    @Test
    void theListingNamesModelCountAndSize() throws Exception {
        HttpResponse<String> r = admin("GET", "/admin/v1/indexes", null);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject shop = find(new JsonObject(r.body()).getJsonArray("indexes"), "shop");
        assertEquals("mobilenetv2-imagenet", shop.getString("model"), shop.encode());
        assertEquals(1280, shop.getInteger("dimension"));
        assertEquals(4, shop.getInteger("count"));
        assertTrue(shop.getLong("sizeBytes") > 4 * 1280 * 4, shop.encode());
        assertTrue(shop.getString("created").matches("\\d{4}-\\d\\d-\\d\\dT.*"), shop.encode());
    }

    private static JsonObject find(JsonArray indexes, String name) {
        for (int i = 0; i < indexes.size(); i++) {
            if (indexes.getJsonObject(i).getString("name").equals(name)) {
                return indexes.getJsonObject(i);
            }
        }
        return null;
    }

    @Test
    void deletingAnIndexRemovesItFromTheListingAndFromSearch() throws Exception {
        HttpResponse<String> r = admin("POST", "/admin/v1/index-builds", "{\"index\":\"gone\",\"input\":\"catalog\"}");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("succeeded", awaitFinished(new JsonObject(r.body()).getString("status")).getString("state"));
        assertEquals(204, admin("DELETE", "/admin/v1/indexes/gone", null).statusCode());
        assertEquals(null, find(new JsonObject(admin("GET", "/admin/v1/indexes", null).body())
                .getJsonArray("indexes"), "gone"));
        HttpResponse<String> again = admin("DELETE", "/admin/v1/indexes/gone", null);
        assertEquals(404, again.statusCode(), again.body());
        assertTrue(again.body().contains("unknown_index"), again.body());
    }

    @Test
    void aCancelledBuildStopsEarlyAndKeepsWhatItCommitted() throws Exception {
        HttpResponse<String> r = admin("POST", "/admin/v1/index-builds", "{\"index\":\"big\",\"input\":\"big\"}");
        assertEquals(202, r.statusCode(), r.body());
        String status = new JsonObject(r.body()).getString("status");
        HttpResponse<String> busy = admin("POST", "/admin/v1/index-builds", "{\"index\":\"big\",\"input\":\"big\"}");
        assertEquals(409, busy.statusCode(), busy.body());
        HttpResponse<String> deleteWhileBuilding = admin("DELETE", "/admin/v1/indexes/big", null);
        assertEquals(409, deleteWhileBuilding.statusCode(), deleteWhileBuilding.body());
        assertEquals(200, admin("DELETE", status, null).statusCode());
        JsonObject job = awaitFinished(status);
        assertEquals("cancelled", job.getString("state"), job.encode());
        assertTrue(job.getLong("added") < 60, job.encode());
    }

    @Test
    void refusesInputsOutsideTheDataRootAndMalformedRequests() throws Exception {
        for (String body : List.of("{\"index\":\"x\",\"input\":\"../catalog\"}", "{\"index\":\"x\",\"input\":\"/etc\"}",
                "{\"index\":\"x\"}", "{\"index\":\"Bad Name\",\"input\":\"catalog\"}",
                "{\"index\":\"x\",\"input\":\"no-such-folder\"}", "[1]")) {
            HttpResponse<String> r = admin("POST", "/admin/v1/index-builds", body);
            assertEquals(400, r.statusCode(), body + " -> " + r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                    body);
        }
        HttpResponse<String> unknown = admin("GET", "/admin/v1/index-builds/nope", null);
        assertEquals(404, unknown.statusCode(), unknown.body());
    }

    @Test
    void theIndexRoutesNeedTheAdminToken() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + app.adminListener().port() + "/admin/v1/indexes")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode(), r.body());
    }
}
