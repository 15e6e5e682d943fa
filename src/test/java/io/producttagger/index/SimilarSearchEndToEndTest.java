package io.producttagger.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.CommandRun;
import io.producttagger.TestSupport;
import io.producttagger.app.TaggerApp;
import io.producttagger.cli.ExitCodes;
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
 * From a folder to a similar-product answer: {@code index} builds an index with the CLI, the real server searches
 * it, and a re-encoded, cropped copy of one photo finds its original first.
 */
class SimilarSearchEndToEndTest {

    @TempDir
    static Path tmp;

    private static TaggerApp app;
    private static CommandRun firstBuild;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void buildAndServe() throws Exception {
        TestSupport.offline();
        Path catalog = Files.createDirectories(tmp.resolve("catalog"));
        for (String photo : List.of("bird.png", "cat.png", "grace_hopper.png", "missvickie_potato_chips.png")) {
            Files.copy(Path.of("test-images/imagenet").resolve(photo), catalog.resolve(photo));
        }
        firstBuild = index(catalog);
        app = TestSupport.serve(TestSupport.serviceConfig(Map.of(), "index.dir", tmp.resolve("indexes").toString()));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    private static CommandRun index(Path catalog) {
        return CommandRun.of(io.producttagger.app.Main.commandLine(), List.of("--set",
                "index.dir=" + tmp.resolve("indexes"), "index", catalog.toString(), "--name", "shop", "-q"));
    }

    private static HttpResponse<String> similar(String query, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.publicListener().port()
                + "/v1/similar" + query)).header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theCliIndexesEveryPhotoOfTheFolder() {
        assertEquals(ExitCodes.OK, firstBuild.exitCode(), firstBuild.out() + firstBuild.err());
        assertTrue(firstBuild.out().contains("indexed 4, failed 0, skipped 0"), firstBuild.out());
    }

    @Test
    void aSecondRunSkipsWhatTheIndexHolds() {
        CommandRun again = index(tmp.resolve("catalog"));
        assertEquals(ExitCodes.OK, again.exitCode(), again.out() + again.err());
        assertTrue(again.out().contains("indexed 0, failed 0, skipped 4") && again.out().contains("4 items"),
                again.out());
    }

    @Test
    void aCroppedReEncodedCopyFindsItsOriginalFirst() throws Exception {
        HttpResponse<String> r = similar("?index=shop&k=3", TestSupport.croppedJpeg(Path.of("test-images/imagenet/cat.png")));
        assertEquals(200, r.statusCode(), r.body());
        JsonObject body = new JsonObject(r.body());
        assertEquals("mobilenetv2-imagenet", body.getString("model"));
        JsonArray results = body.getJsonArray("results");
        assertEquals(3, results.size());
        JsonObject first = results.getJsonObject(0);
        assertTrue(first.getString("path").endsWith("cat.png"), r.body());
        assertTrue(first.getDouble("similarity") > results.getJsonObject(1).getDouble("similarity"), r.body());
    }

    @Test
    void aQueryEmbeddedByAnotherModelIsRefusedWith409() throws Exception {
        HttpResponse<String> r = similar("?index=shop&model=fashion",
                TestSupport.croppedJpeg(Path.of("test-images/imagenet/cat.png")));
        assertEquals(409, r.statusCode(), r.body());
        assertTrue(new JsonObject(r.body()).getString("detail").contains("mobilenetv2-imagenet@1"), r.body());
    }

    @Test
    void anUnknownIndexIsA404Problem() throws Exception {
        HttpResponse<String> r = similar("?index=nosuch", TestSupport.croppedJpeg(Path.of("test-images/imagenet/cat.png")));
        assertEquals(404, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    }
}
