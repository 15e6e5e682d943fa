package io.producttagger.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.CommandRun;
import io.producttagger.ScoreAgreement;
import io.producttagger.TestSupport;
import io.producttagger.model.BatchClassifier;
import io.producttagger.model.LabelScore;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelStore;
import io.producttagger.training.data.PhotoSetGenerator;
import io.producttagger.vision.ImageDecoder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Same bytes, same version, same answer: photos through every in-JVM way of tagging (HTTP at 1 and 16
 * connections, {@code tag} with 1 and 2 lanes), each compared with the photo scored alone, by
 * {@link ScoreAgreement}; {@link EveryPathAgreesFashionTest} runs it for the clothing model and
 * {@link EveryPathAgreesImageNetTest} for the colour ImageNet model. The
 * Spark module's test holds the Spark job to the same rule.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EveryPathAgrees {

    private final String model;
    private final int images;
    private final int topK;

    private Path dir;

    private Path photos;
    private final Map<String, List<LabelScore>> reference = new TreeMap<>();
    private TaggerApp app;
    private int port;

    private final ObjectMapper json = new ObjectMapper();

    EveryPathAgrees(String model, int images, int topK) {
        this.model = model;
        this.images = images;
        this.topK = topK;
    }

    @BeforeAll
    void scoreEachPhotoAlone() throws Exception {
        TestSupport.offline();
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target/every-path")), model + "-");
        photos = dir.resolve("photos");
        new PhotoSetGenerator(11).write(TestSupport.fashionTest(), images, photos);
        try (LoadedModel loaded = LoadedModel.load(new ModelStore(TestSupport.MODEL_ZOO), model, "1");
                BatchClassifier alone = BatchClassifier.over(loaded, new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS),
                        1)) {
            for (Path file : files()) {
                BatchClassifier.Outcome o = alone.classify(List.of(Files.readAllBytes(file)), topK, 0).get(0);
                assertEquals(null, o.error(), file.toString());
                reference.put(photos.relativize(file).toString(), o.labels());
            }
        }
        assertEquals(images, reference.size());
        app = TestSupport.serve(TestSupport.serviceConfig(Map.of(), "model.name", model));
        port = app.publicListener().port();
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private List<Path> files() throws Exception {
        try (var walk = Files.walk(photos)) {
            return walk.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().toList();
        }
    }

    private void assertAgree(String path, Map<String, List<LabelScore>> answers) {
        assertEquals(reference.keySet(), answers.keySet(), path + ": one answer per photo");
        List<String> wrong = new ArrayList<>();
        reference.forEach((id, want) -> wrong.addAll(ScoreAgreement.disagreements(id, want, answers.get(id))));
        assertEquals(List.of(), wrong, path + " against each photo scored alone");
    }

    private static List<LabelScore> labels(JsonNode array) {
        List<LabelScore> out = new ArrayList<>();
        array.forEach(l -> out.add(new LabelScore(l.path("label").asText(), l.path("score").asDouble())));
        return out;
    }

    private final java.util.concurrent.atomic.AtomicInteger largestBatch = new java.util.concurrent.atomic.AtomicInteger();

    private Map<String, List<LabelScore>> overHttp(int connections) throws Exception {
        Map<String, List<LabelScore>> answers = new ConcurrentHashMap<>();
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        Semaphore inFlight = new Semaphore(connections);
        try {
            HttpClient client = HttpClient.newBuilder().executor(threads).version(HttpClient.Version.HTTP_1_1).build();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Path file : files()) {
                String id = photos.relativize(file).toString();
                String type = id.endsWith(".png") ? "image/png" : "image/jpeg";
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/v1/classify?topK=" + topK + "&model=" + model)).header("Content-Type", type)
                        .POST(HttpRequest.BodyPublishers.ofFile(file)).build();
                inFlight.acquire();
                all.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(r -> {
                    try {
                        assertEquals(200, r.statusCode(), r.body());
                        JsonNode result = json.readTree(r.body()).path("results").path(0);
                        answers.put(id, labels(result.path("labels")));
                        largestBatch.accumulateAndGet(result.path("timings").path("batchSize").asInt(), Math::max);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).whenComplete((v, e) -> inFlight.release()));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        } finally {
            threads.shutdownNow();
        }
        return answers;
    }

    private Map<String, List<LabelScore>> withTag(int lanes) throws Exception {
        Path out = dir.resolve("tags-" + lanes + ".jsonl");
        CommandRun r = CommandRun.of(Main.commandLine(), List.of("--set", "model.zoo=" + TestSupport.MODEL_ZOO,
                "--set", "engine.cache=" + Path.of("target/djl-cache").toAbsolutePath(), "tag", photos.toString(),
                "-o", out.toString(), "-q", "--model", model, "--top-k", String.valueOf(topK), "--threads",
                String.valueOf(lanes)));
        assertEquals(0, r.exitCode(), r.err());
        Map<String, List<LabelScore>> answers = new TreeMap<>();
        for (String line : Files.readAllLines(out)) {
            JsonNode row = json.readTree(line);
            answers.put(row.path("id").asText(), labels(row.path("labels")));
        }
        return answers;
    }

    @Test
    void httpOneConnectionAtATimeGivesEachPhotosScores() throws Exception {
        assertAgree("HTTP, 1 connection", overHttp(1));
    }

    @Test
    void httpSixteenConnectionsBatchedTogetherGiveEachPhotosScores() throws Exception {
        assertAgree("HTTP, 16 connections", overHttp(16));
        assertEquals(true, largestBatch.get() > 1, "some photos shared a batch: " + largestBatch.get());
    }

    @Test
    void tagOnOneLaneGivesEachPhotosScores() throws Exception {
        assertAgree("tag, 1 lane", withTag(1));
    }

    @Test
    void tagOnTwoLanesGivesEachPhotosScores() throws Exception {
        assertAgree("tag, 2 lanes", withTag(2));
    }
}
