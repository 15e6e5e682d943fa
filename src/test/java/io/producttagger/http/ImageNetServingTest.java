package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.data.FashionMnist;
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

/**
 * What a new user meets, through the HTTP API of the service started with the default configuration over a copy of
 * the committed zoo (as {@code scripts/serve} starts it): a colour photo of a product gets ImageNet labels from
 * {@code mobilenetv2-imagenet}, the clothing model still answers when asked for, and an admin fine-tune without a
 * base model starts from the ImageNet backbone, is promoted and tags photos.
 */
class ImageNetServingTest {

    private static final String TOKEN = "imagenet-test-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path PRODUCT_PHOTO = Path.of("test-images/imagenet/missvickie_potato_chips.png");

    private static Path tmp;
    private static ServingStack stack;

    @BeforeAll
    static void start() throws Exception {
        TestSupport.offline();
        tmp = Files.createTempDirectory("imagenet-test-");
        Path zoo = FineTuneFixtures.zooWith(tmp.resolve("zoo"), "mobilenetv2-imagenet", FineTuneFixtures.BACKBONE,
                "fashion");
        Path data = Files.createDirectories(tmp.resolve("data"));
        FineTuneFixtures.colorSet(data.resolve("fruit"), 12, 1);
        // the default configuration but for the ports, the folders and the token
        stack = new ServingStack(TestSupport.serviceConfig(Map.of("TAGGER_ADMIN_TOKEN", TOKEN), "model.zoo",
                zoo.toString(), "finetune.data-root", data.toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
        try (var walk = Files.walk(tmp)) { // a copy of the zoo: 25 MB
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static HttpResponse<String> classify(String query, byte[] photo, String type) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.server.port() + "/v1/classify"
                + query)).header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> admin(String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.admin.port() + path))
                .header("Authorization", "Bearer " + TOKEN);
        b = json == null ? b.GET() : b.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonArray labels(HttpResponse<String> r) {
        return new JsonObject(r.body()).getJsonArray("results").getJsonObject(0).getJsonArray("labels");
    }

    @Test
    void aProductPhotoGetsImageNetLabelsFromTheDefaultModel() throws Exception {
        HttpResponse<String> r = classify("?topK=1000", Files.readAllBytes(PRODUCT_PHOTO), "image/png");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("mobilenetv2-imagenet", new JsonObject(r.body()).getString("model"));
        JsonArray labels = labels(r);
        assertEquals(1000, labels.size(), "every ImageNet class, and no background");
        assertEquals("packet", labels.getJsonObject(0).getString("label"), r.body());
        assertEquals(0.873, labels.getJsonObject(0).getDouble("score"), 0.001);
        assertFalse(labels.stream().anyMatch(l -> ((JsonObject) l).getString("label").equals("background")));
    }

    @Test
    void theClothingModelStillAnswersWhenAskedFor() throws Exception {
        HttpResponse<String> r = classify("?model=fashion&topK=1", TestSupport.photo(TestSupport.fashionTest(), 0, 300,
                ".jpg"), "image/jpeg");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("fashion", new JsonObject(r.body()).getString("model"));
        assertTrue(FashionMnist.LABELS.contains(labels(r).getJsonObject(0).getString("label")), r.body());
    }

    @Test
    void aFineTuneWithoutBaseModelStartsFromTheImageNetBackboneAndServesOncePromoted() throws Exception {
        HttpResponse<String> started = admin("/admin/v1/fine-tunes", "{\"dataset\":{\"folder\":\"fruit\"},"
                + "\"name\":\"fruit\"}");
        assertEquals(202, started.statusCode(), started.body());
        String status = new JsonObject(started.body()).getString("status");
        JsonObject job = new JsonObject(admin(status, null).body());
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (List.of("queued", "running").contains(job.getString("state")) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            job = new JsonObject(admin(status, null).body());
        }
        assertEquals("succeeded", job.getString("state"), job.encodePrettily());
        assertEquals(FineTuneFixtures.BACKBONE, job.getJsonObject("request").getString("baseModel"));
        String version = job.getString("version");
        assertEquals(FineTuneFixtures.BACKBONE + "@1", stack.registry.store().manifest("fruit", version).training()
                .get("fineTunedFrom"));
        assertEquals(200, admin("/admin/v1/models/fruit/versions/" + version + "/promote", "").statusCode());
        JsonObject models = new JsonObject(admin("/admin/v1/models", null).body());
        assertEquals("mobilenetv2-imagenet", models.getString("default"));
        JsonObject fruit = models.getJsonArray("models").stream().map(JsonObject.class::cast)
                .filter(m -> m.getString("name").equals("fruit")).findFirst().orElseThrow();
        assertEquals(version, fruit.getString("servingVersion"), fruit.encodePrettily());

        Path heldOut = FineTuneFixtures.colorSet(tmp.resolve("held-out"), 3, 5);
        for (String label : FineTuneFixtures.COLOR_LABELS) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = classify("?model=fruit&topK=1", Files.readAllBytes(heldOut.resolve(label)
                        .resolve("img" + i + ".jpg")), "image/jpeg");
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(version, new JsonObject(r.body()).getString("version"));
                assertEquals(label, labels(r).getJsonObject(0).getString("label"), r.body());
            }
        }
        assertEquals("mobilenetv2-imagenet", new JsonObject(classify("", Files.readAllBytes(PRODUCT_PHOTO),
                "image/png").body()).getString("model"), "the default model still serves by default");
    }
}
