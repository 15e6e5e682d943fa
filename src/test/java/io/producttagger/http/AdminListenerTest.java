package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.config.ConfigException;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.Promotions;
import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.jobs.FineTuneJob;
import io.producttagger.training.jobs.FineTuneService;
import io.producttagger.training.jobs.UploadFolders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin listener and the public one wired as in production, on random ports, over a temporary zoo holding a
 * copy of the committed fashion model and a data root with photo-like label folders.
 */
class AdminListenerTest {

    private static final String TOKEN = "test-admin-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int OLD_JOBS = 55;

    private static Path tmp;
    private static TaggerConfig config;
    private static ModelRegistry registry;
    private static FineTuneService jobs;
    private static ListenerVerticle admin;
    private static ListenerVerticle server;
    private static ServingStack stack;
    private static JsonObject fineTuned;
    private static List<JsonObject> events;
    private static final List<String> failuresWhileTraining = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final AtomicInteger classifiedWhileTraining = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        ServingStack.Folders folders = ServingStack.Folders.create("admin-test-");
        tmp = folders.tmp();
        Path zoo = folders.zoo();
        Path data = folders.data();
        FineTuneFixtures.photoSet(data.resolve("photos"), 12);
        FineTuneFixtures.colorSet(data.resolve("fruit"), 15, 1);
        FineTuneFixtures.photoSet(data.resolve("few"), 4);
        config = ServingStack.config(zoo, data, TOKEN);
        // a job the previous process was running when it died
        Files.createDirectories(config.fineTune().jobsDir());
        Files.writeString(config.fineTune().jobsDir().resolve("crashed.json"), """
                {"id":"crashed","state":"running","request":{"name":"shoes"},"phase":"full","epoch":2,"epochs":5,
                 "model":"shoes","created":"2026-11-28T10:00:00Z","updated":"2026-11-28T10:01:00Z"}""");
        // finished jobs of earlier processes, one a minute from 2019-01-01, more than a listing shows by default
        for (int i = 0; i < OLD_JOBS; i++) {
            Files.writeString(config.fineTune().jobsDir().resolve(oldJob(i) + ".json"), new JsonObject()
                    .put("id", oldJob(i)).put("state", List.of("succeeded", "cancelled", "failed").get(i % 3))
                    .put("request", new JsonObject().put("name", "old")).put("model", "old")
                    .put("created", java.time.Instant.parse("2019-01-01T00:00:00Z").plusSeconds(60L * i).toString())
                    .put("updated", "2019-02-01T00:00:00Z").encode());
        }
        stack = new ServingStack(config);
        registry = stack.registry;
        jobs = stack.jobs;
        admin = stack.admin;
        server = stack.server;
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static HttpRequest.Builder adminRequest(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
                .header("Authorization", "Bearer " + TOKEN);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postJson(String path, String json) throws Exception {
        return send(adminRequest(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static String oldJob(int i) {
        return String.format("old-%02d", i);
    }

    private static JsonArray listJobs(String query) throws Exception {
        HttpResponse<String> r = send(adminRequest("/admin/v1/fine-tunes" + query).GET());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        return new JsonObject(r.body()).getJsonArray("jobs");
    }

    private static List<String> ids(JsonArray jobs) {
        return jobs.stream().map(j -> ((JsonObject) j).getString("id")).toList();
    }

    private static void assertProblem(HttpResponse<String> r, int status, String detailPart) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
        assertTrue(new JsonObject(r.body()).getString("detail").contains(detailPart), r.body());
    }

    /** Runs one fine-tune through the API (once per class), following its Server-Sent Events to the end. */
    private static synchronized JsonObject fineTuned() throws Exception {
        if (fineTuned == null) {
            AtomicBoolean training = new AtomicBoolean(true);
            byte[] photo = TestSupport.photo(TestSupport.fashionTest(), 1, 200, ".jpg");
            Thread client = new Thread(() -> {
                while (training.get()) {
                    try {
                        HttpResponse<String> c = classify(photo);
                        if (c.statusCode() == 200) {
                            classifiedWhileTraining.incrementAndGet();
                        } else {
                            failuresWhileTraining.add(c.statusCode() + " " + c.body());
                        }
                    } catch (Exception e) {
                        failuresWhileTraining.add(e.toString());
                    }
                }
            });
            client.start();
            try {
                runFineTune();
            } finally {
                training.set(false);
                client.join();
            }
        }
        return fineTuned;
    }

    private static HttpResponse<String> classify(byte[] photo) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/classify"))
                .header("Content-Type", "image/jpeg").POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void runFineTune() throws Exception {
        {
            HttpResponse<String> r = postJson("/admin/v1/fine-tunes", """
                    {"dataset":{"folder":"photos"},"baseModel":"fashion","name":"fashion",
                     "headOnlyEpochs":3,"epochs":3,"batchSize":8,"validationFraction":0.25}""");
            assertEquals(202, r.statusCode(), r.body());
            String status = new JsonObject(r.body()).getString("status");
            HttpResponse<java.util.stream.Stream<String>> sse = HTTP.send(adminRequest(status + "/events").build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals("text/event-stream", sse.headers().firstValue("Content-Type").orElse(""));
            events = sse.body().filter(l -> l.startsWith("data: "))
                    .map(l -> new JsonObject(l.substring(6))).collect(Collectors.toList());
            fineTuned = new JsonObject(send(adminRequest(status).GET()).body());
        }
    }

    @Test
    void fineTuneThroughTheApiReportsProgressAndPublishesAVersionWithItsReport() throws Exception {
        JsonObject job = fineTuned();
        assertEquals("succeeded", job.getString("state"), job.encodePrettily());
        assertEquals("2", job.getString("version"));
        JsonObject report = job.getJsonObject("report");
        for (String k : List.of("top1", "top3", "perLabel", "confusionMatrix", "mostConfused")) {
            assertNotNull(report.getValue(k), k);
        }
        assertTrue(events.stream().anyMatch(e -> "running".equals(e.getString("state")) && e.getInteger("epoch") > 0
                && e.getDouble("loss") != null && e.getValue("etaSeconds") != null), "progress events: " + events);
        assertEquals("1", registry.store().servingVersion("fashion").orElseThrow(),
                "a fine-tuned version does not serve until promoted");
    }

    @Test
    void aJobCarriesOnePointPerFinishedEpochForTheCurves() throws Exception {
        JsonObject job = fineTuned();
        JsonArray history = job.getJsonArray("history");
        assertEquals(6, history.size(), job.encodePrettily());
        for (int i = 0; i < history.size(); i++) {
            JsonObject point = history.getJsonObject(i);
            assertEquals(i + 1, point.getInteger("epoch"));
            assertEquals(i < 3 ? "head" : "full", point.getString("phase"));
            assertTrue(point.getDouble("loss") >= 0 && point.getDouble("validationAccuracy") >= 0, point.encode());
        }
        assertTrue(events.stream().anyMatch(e -> "running".equals(e.getString("state"))
                && !e.getJsonArray("history").isEmpty()),
                "events carry the curve so far");
    }

    @Test
    void adminModelListingShowsEveryModelItsServingVersionAndKind() throws Exception {
        HttpResponse<String> r = send(adminRequest("/admin/v1/models").GET());
        assertEquals(200, r.statusCode(), r.body());
        JsonObject body = new JsonObject(r.body());
        assertEquals("fashion", body.getString("default"));
        Map<String, String> kinds = body.getJsonArray("models").stream().map(m -> (JsonObject) m)
                .collect(Collectors.toMap(m -> m.getString("name"), m -> m.getString("kind")));
        assertEquals("classifier", kinds.get("fashion"));
        assertEquals("backbone", kinds.get(FineTuneFixtures.BACKBONE));
        JsonObject fashion = body.getJsonArray("models").stream().map(m -> (JsonObject) m)
                .filter(m -> m.getString("name").equals("fashion")).findFirst().orElseThrow();
        assertEquals(registry.store().servingVersion("fashion").orElseThrow(), fashion.getString("servingVersion"));
        assertTrue(fashion.getJsonArray("versions").getJsonObject(0).getJsonObject("metrics").containsKey("top1"));
    }

    @Test
    void servingKeepsAnsweringWhileAFineTuneTrains() throws Exception {
        fineTuned();
        assertTrue(failuresWhileTraining.isEmpty(), "failed requests: " + failuresWhileTraining);
        assertTrue(classifiedWhileTraining.get() > 0, "some requests ran during training");
        System.out.println("classified during the fine-tune: " + classifiedWhileTraining.get());
    }

    @Test
    void promotionUnderLoadFailsNoRequestAndRollbackRestoresThePreviousVersion() throws Exception {
        String version = fineTuned().getString("version");
        byte[] photo = TestSupport.photo(TestSupport.fashionTest(), 0, 200, ".jpg");
        AtomicBoolean run = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new ArrayList<>();
        java.util.Set<String> versionsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread client = new Thread(() -> {
            while (run.get()) {
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + server.port() + "/v1/classify")).header("Content-Type", "image/jpeg")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        ok.incrementAndGet();
                        versionsSeen.add(new JsonObject(r.body()).getString("version"));
                    } else {
                        synchronized (failures) {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e.toString());
                    }
                }
            }
        });
        client.start();
        Thread.sleep(300);
        HttpResponse<String> promoted = postJson("/admin/v1/models/fashion/versions/" + version + "/promote", "");
        assertEquals(200, promoted.statusCode(), promoted.body());
        assertEquals(version, new JsonObject(promoted.body()).getString("servingVersion"));
        Thread.sleep(300);
        HttpResponse<String> rolledBack = postJson("/admin/v1/models/fashion/rollback", "");
        Thread.sleep(300);
        run.set(false);
        client.join();
        assertEquals(200, rolledBack.statusCode(), rolledBack.body());
        assertEquals("1", new JsonObject(rolledBack.body()).getString("servingVersion"));
        assertEquals("1", registry.store().servingVersion("fashion").orElseThrow());
        assertTrue(failures.isEmpty(), "failed requests: " + failures);
        assertTrue(versionsSeen.containsAll(List.of("1", version)), "served by both versions: " + versionsSeen);
        assertTrue(Files.isRegularFile(registry.store().root().resolve("fashion").resolve(Promotions.FILE)));
    }

    @Test
    void deletingARunningFineTuneCancelsItAndPublishesNothing() throws Exception {
        HttpResponse<String> r = postJson("/admin/v1/fine-tunes", """
                {"dataset":{"folder":"photos"},"baseModel":"fashion","name":"cancelled",
                 "headOnlyEpochs":0,"epochs":500,"batchSize":4}""");
        assertEquals(202, r.statusCode(), r.body());
        String status = new JsonObject(r.body()).getString("status");
        HttpResponse<String> deleted = send(adminRequest(status).DELETE());
        assertEquals(200, deleted.statusCode(), deleted.body());
        JsonObject job = awaitEnded(status);
        assertEquals("cancelled", job.getString("state"), job.encodePrettily());
        assertTrue(!Files.exists(registry.store().root().resolve("cancelled")), "nothing published");
    }

    @Test
    void withoutBaseModelAFineTuneStartsFromTheColourBackbone() throws Exception {
        HttpResponse<String> r = postJson("/admin/v1/fine-tunes", """
                {"dataset":{"folder":"photos"},"name":"defaulted","headOnlyEpochs":0,"epochs":500,"batchSize":4}""");
        assertEquals(202, r.statusCode(), r.body());
        String status = new JsonObject(r.body()).getString("status");
        JsonObject job = new JsonObject(send(adminRequest(status).GET()).body());
        assertEquals(FineTuneFixtures.BACKBONE, job.getJsonObject("request").getString("baseModel"),
                job.encodePrettily());
        send(adminRequest(status).DELETE());
        awaitEnded(status); // one job trains at a time: do not leave it to the next test
    }

    /**
     * The end-to-end path: a zip of colour product photos with no baseModel becomes a version fine-tuned
     * from the colour backbone; promoted, it tags photos on the public listener.
     */
    @Test
    void uploadedColourPhotosWithoutBaseModelFineTuneTheBackboneAndThePromotedVersionTagsPhotos() throws Exception {
        HttpResponse<String> r = send(adminRequest("/admin/v1/fine-tunes?name=fruit")
                .header("Content-Type", "application/zip").POST(HttpRequest.BodyPublishers.ofByteArray(
                        zipOf("fruit"))));
        assertEquals(202, r.statusCode(), r.body());
        JsonObject job = awaitEnded(new JsonObject(r.body()).getString("status"));
        assertEquals("succeeded", job.getString("state"), job.encodePrettily());
        String version = job.getString("version");
        ModelManifest m = registry.store().manifest("fruit", version);
        assertEquals(FineTuneFixtures.BACKBONE + "@1", m.training().get("fineTunedFrom"));
        assertEquals(3, m.input().channels());

        HttpResponse<String> promoted = postJson("/admin/v1/models/fruit/versions/" + version + "/promote", "");
        assertEquals(200, promoted.statusCode(), promoted.body());
        Path heldOut = FineTuneFixtures.colorSet(tmp.resolve("held-out-fruit"), 3, 5);
        for (String label : FineTuneFixtures.COLOR_LABELS) {
            byte[] photo = Files.readAllBytes(heldOut.resolve(label).resolve("img0.jpg"));
            HttpResponse<String> tagged = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.port() + "/v1/classify?model=fruit&topK=1")).header("Content-Type", "image/jpeg")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, tagged.statusCode(), tagged.body());
            JsonObject answer = new JsonObject(tagged.body());
            assertEquals("fruit", answer.getString("model"));
            assertEquals(version, answer.getString("version"));
            assertEquals(label, answer.getJsonArray("results").getJsonObject(0).getJsonArray("labels")
                    .getJsonObject(0).getString("label"), tagged.body());
        }
    }

    @Test
    void classifyingWithTheBackboneItselfIs422NamingWhatToDo() throws Exception {
        byte[] photo = TestSupport.photo(TestSupport.fashionTest(), 0, 200, ".jpg");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/v1/classify?model=" + FineTuneFixtures.BACKBONE)).header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(), HttpResponse.BodyHandlers.ofString());
        assertProblem(r, 422, "fine-tune it");
    }

    /** Polls a job's status URL until it has ended (succeeded, failed or cancelled), for at most three minutes. */
    private static JsonObject awaitEnded(String status) throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        JsonObject job = new JsonObject(send(adminRequest(status).GET()).body());
        List<String> ended = List.of(FineTuneJob.SUCCEEDED, FineTuneJob.FAILED, FineTuneJob.CANCELLED);
        while (!ended.contains(job.getString("state"))) {
            assertTrue(System.nanoTime() < deadline, "not ended in time: " + job);
            Thread.sleep(100);
            job = new JsonObject(send(adminRequest(status).GET()).body());
        }
        return job;
    }

    @Test
    void uploadedZipOfLabelFoldersIsAccepted() throws Exception {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (var files = Files.walk(tmp.resolve("data/photos"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                entries.put("shoes/" + tmp.resolve("data/photos").relativize(p), Files.readAllBytes(p));
            }
        }
        HttpResponse<String> r = send(adminRequest("/admin/v1/fine-tunes?baseModel=fashion&name=uploaded"
                + "&headOnlyEpochs=1&epochs=0&batchSize=8").header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(io.producttagger.training.data.DatasetArchiveTestAccess
                        .zip(entries))));
        assertEquals(202, r.statusCode(), r.body());
        send(adminRequest(new JsonObject(r.body()).getString("status")).DELETE());
    }

    /** Zips {@code data/FOLDER}'s label folders, wrapped in one top folder as people often do. */
    private static byte[] zipOf(String folder) throws Exception {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (var files = Files.walk(tmp.resolve("data").resolve(folder))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                entries.put("set/" + tmp.resolve("data").resolve(folder).relativize(p), Files.readAllBytes(p));
            }
        }
        return io.producttagger.training.data.DatasetArchiveTestAccess.zip(entries);
    }

    private static java.util.Set<Path> uploadFolders() throws Exception {
        Path uploads = tmp.resolve("data").resolve(UploadFolders.FOLDER);
        if (!Files.isDirectory(uploads)) {
            return java.util.Set.of();
        }
        try (var list = Files.list(uploads)) {
            return list.collect(Collectors.toSet());
        }
    }

    @Test
    void uploadedDataSetIsDeletedWhenItsJobIsCancelled() throws Exception {
        HttpResponse<String> r = send(adminRequest("/admin/v1/fine-tunes?baseModel=fashion&name=gone"
                + "&headOnlyEpochs=0&epochs=500&batchSize=4").header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(zipOf("photos"))));
        assertEquals(202, r.statusCode(), r.body());
        String status = new JsonObject(r.body()).getString("status");
        JsonObject job = new JsonObject(send(adminRequest(status).GET()).body());
        Path folder = tmp.resolve("data").resolve(UploadFolders.FOLDER).resolve(job.getString("upload"));
        assertTrue(job.getJsonObject("request").getString("dataset").startsWith("uploads/" + job.getString("upload")),
                job.encode());
        assertTrue(Files.isDirectory(folder), "unpacked while the job is " + job.getString("state"));
        assertEquals(200, send(adminRequest(status).DELETE()).statusCode());
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!"cancelled".equals(job.getString("state")) || Files.exists(folder)) {
            assertTrue(System.nanoTime() < deadline, "not cancelled and cleaned up in time: " + job);
            Thread.sleep(100);
            job = new JsonObject(send(adminRequest(status).GET()).body());
        }
        assertTrue(Files.isDirectory(tmp.resolve("data/photos/bags")), "the folder data set is untouched");
    }

    @Test
    void uploadRefusedBeforeItBecomesAJobLeavesNoFolderBehind() throws Exception {
        java.util.Set<Path> before = uploadFolders();
        HttpResponse<String> r = send(adminRequest("/admin/v1/fine-tunes?baseModel=fashion&name=few")
                .header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(zipOf("few"))));
        assertProblem(r, 422, "at least 10 images");
        assertTrue(before.containsAll(uploadFolders()), "new folders: " + uploadFolders() + " before: " + before);
    }

    @Test
    void zipSlipUploadIsRefusedWith422() throws Exception {
        HttpResponse<String> r = send(adminRequest("/admin/v1/fine-tunes?baseModel=fashion")
                .header("Content-Type", "application/zip").POST(HttpRequest.BodyPublishers.ofByteArray(
                        io.producttagger.training.data.DatasetArchiveTestAccess.zip(Map.of("../../evil.jpg",
                                new byte[] {1})))));
        assertProblem(r, 422, "zip slip");
    }

    @Test
    void labelWithTooFewImagesIsRefusedWith422() throws Exception {
        assertProblem(postJson("/admin/v1/fine-tunes", """
                {"dataset":{"folder":"few"},"baseModel":"fashion","name":"x"}"""), 422, "at least 10 images");
    }

    @Test
    void unknownBaseModelIsRefusedWith422() throws Exception {
        assertProblem(postJson("/admin/v1/fine-tunes", """
                {"dataset":{"folder":"photos"},"baseModel":"nosuch","name":"x"}"""), 422, "unknown base model");
    }

    @Test
    void datasetPathEscapingTheDataRootIsRefusedWith422() throws Exception {
        assertProblem(postJson("/admin/v1/fine-tunes", """
                {"dataset":{"folder":"../zoo"},"baseModel":"fashion"}"""), 422, "..");
        assertProblem(postJson("/admin/v1/fine-tunes", """
                {"dataset":{"folder":"/etc"},"baseModel":"fashion"}"""), 422, "absolute");
    }

    @Test
    void missingTokenIsRefusedWith401AndBearerChallenge() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port()
                + "/admin/v1/fine-tunes/x")).GET());
        assertProblem(r, 401, "Bearer");
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    }

    @Test
    void wrongTokenIsRefusedWith401() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port()
                + "/admin/v1/models/fashion/rollback")).header("Authorization", "Bearer wrong")
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertProblem(r, 401, "not the admin token");
    }

    @Test
    void jobRunningWhenThePreviousProcessDiedIsReportedFailed() throws Exception {
        JsonObject job = new JsonObject(send(adminRequest("/admin/v1/fine-tunes/crashed").GET()).body());
        assertEquals("failed", job.getString("state"), job.encode());
        assertTrue(job.getString("error").contains("interrupted by a restart"), job.encode());
        assertEquals("1", registry.store().servingVersion("fashion").orElseThrow(), "serving model untouched");
    }

    @Test
    void listingShowsJobsNewestFirstIncludingThoseRecoveredFromDisk() throws Exception {
        JsonArray all = listJobs("?limit=1000");
        List<String> ids = ids(all);
        for (int i = 0; i < OLD_JOBS; i++) {
            assertTrue(ids.contains(oldJob(i)), oldJob(i) + " missing from " + ids);
        }
        assertTrue(ids.indexOf("crashed") < ids.indexOf(oldJob(OLD_JOBS - 1))
                && ids.indexOf(oldJob(OLD_JOBS - 1)) < ids.indexOf(oldJob(0)), "newest first: " + ids);
        for (int k = 1; k < all.size(); k++) {
            java.time.Instant newer = java.time.Instant.parse(all.getJsonObject(k - 1).getString("created"));
            java.time.Instant older = java.time.Instant.parse(all.getJsonObject(k).getString("created"));
            assertTrue(!newer.isBefore(older), "job " + k + " is newer than the one before it: " + ids);
        }
        assertEquals(new JsonObject(send(adminRequest("/admin/v1/fine-tunes/crashed").GET()).body()),
                all.getJsonObject(ids.indexOf("crashed")), "the same shape as GET /admin/v1/fine-tunes/{id}");
    }

    @Test
    void listingReturnsAtMost50JobsUnlessALimitIsGiven() throws Exception {
        assertTrue(listJobs("?limit=1000").size() > 50, "the fixtures hold more than 50 jobs");
        assertEquals(50, listJobs("").size());
        JsonArray one = listJobs("?limit=1");
        assertEquals(1, one.size());
        assertEquals(listJobs("").getJsonObject(0).getString("id"), one.getJsonObject(0).getString("id"),
                "the limit keeps the newest");
        JsonArray twoSucceeded = listJobs("?state=succeeded&limit=2");
        assertEquals(2, twoSucceeded.size(), "the limit counts jobs after the state filter");
        assertTrue(twoSucceeded.stream().allMatch(j -> "succeeded".equals(((JsonObject) j).getString("state"))));
    }

    @Test
    void listingFiltersByState() throws Exception {
        JsonArray failed = listJobs("?state=failed&limit=1000");
        assertTrue(failed.stream().allMatch(j -> "failed".equals(((JsonObject) j).getString("state"))), failed.encode());
        assertTrue(ids(failed).contains("crashed"), "a job a restart interrupted is listed as failed");
        List<String> cancelled = ids(listJobs("?state=cancelled&limit=1000"));
        assertTrue(cancelled.contains(oldJob(1)) && !cancelled.contains(oldJob(0)) && !cancelled.contains("crashed"),
                cancelled.toString());
        assertEquals((OLD_JOBS + 2) / 3, listJobs("?state=succeeded&limit=1000").stream()
                .filter(j -> ((JsonObject) j).getString("id").startsWith("old-")).count());
        assertTrue(listJobs("?state=running").stream()
                .allMatch(j -> "running".equals(((JsonObject) j).getString("state"))));
    }

    @Test
    void listingWithAnUnknownStateOrALimitOutOfRangeIs400() throws Exception {
        assertProblem(send(adminRequest("/admin/v1/fine-tunes?state=paused").GET()), 400,
                "queued, running, succeeded, failed, cancelled");
        assertProblem(send(adminRequest("/admin/v1/fine-tunes?state=").GET()), 400, "unknown state");
        for (String bad : List.of("0", "1001", "-1", "ten", "", "2.5")) {
            assertProblem(send(adminRequest("/admin/v1/fine-tunes?limit=" + bad).GET()), 400, "from 1 to 1000");
        }
    }

    private static String adminOpenApi() throws Exception {
        HttpResponse<String> r = send(adminRequest("/admin/v1/openapi.yaml").GET());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/yaml", r.headers().firstValue("Content-Type").orElse(""));
        return r.body();
    }

    @Test
    void adminOpenApiDocumentsExactlyTheRoutesTheAdminRouterServes() throws Exception {
        assertEquals(admin.routes().stream().distinct().toList(), TestSupport.documentedRoutes(adminOpenApi()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void adminOpenApiReferencesResolveAndEveryOperationDocumentsItsAuthentication() throws Exception {
        Map<String, Object> doc = new org.yaml.snakeyaml.Yaml().load(adminOpenApi());
        assertTrue(String.valueOf(doc.get("openapi")).startsWith("3."), "an OpenAPI 3 document");
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertTrue(refs.size() > 10, refs.toString());
        for (String ref : refs) {
            assertTrue(ref.startsWith("#/"), ref);
            Object target = doc;
            for (String part : ref.substring(2).split("/")) {
                target = target instanceof Map<?, ?> m ? m.get(part) : null;
            }
            assertNotNull(target, "unresolved " + ref);
        }
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
        paths.forEach((path, item) -> item.forEach((method, op) -> {
            if (!method.equals("parameters")) {
                Map<String, Object> responses = (Map<String, Object>) ((Map<String, Object>) op).get("responses");
                assertTrue(responses.containsKey("401"), method + " " + path + " documents its 401");
            }
        }));
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components"))
                .get("schemas");
        assertEquals(io.producttagger.training.jobs.FineTuneJob.STATES,
                ((Map<String, Object>) schemas.get("JobState")).get("enum"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aJobResponseHasExactlyTheFieldsOfTheOpenApiSchemaInItsOrder() throws Exception {
        Map<String, Object> doc = new org.yaml.snakeyaml.Yaml().load(adminOpenApi());
        Map<String, Object> schema = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) doc
                .get("components")).get("schemas")).get("FineTuneJob");
        List<String> documented = List.copyOf(((Map<String, Object>) schema.get("properties")).keySet());
        HttpResponse<String> r = send(adminRequest("/admin/v1/fine-tunes/crashed").GET());
        assertEquals(200, r.statusCode(), r.body());
        // the keys as the body spells them, in order: JsonObject keeps the order it parsed
        assertEquals(documented, List.copyOf(new JsonObject(r.body()).fieldNames()),
                "GET /admin/v1/fine-tunes/{id} answers every field of the FineTuneJob schema, no other, in its order");
        JsonObject listed = listJobs("?limit=1000").stream().map(JsonObject.class::cast)
                .filter(j -> j.getString("id").equals("crashed")).findFirst().orElseThrow();
        assertEquals(documented, List.copyOf(listed.fieldNames()), "a listed job has the same fields");
    }

    private static void collectRefs(Object node, List<String> refs) {
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if ("$ref".equals(k)) {
                    refs.add((String) v);
                } else {
                    collectRefs(v, refs);
                }
            });
        } else if (node instanceof List<?> l) {
            l.forEach(v -> collectRefs(v, refs));
        }
    }

    @Test
    void everyAdminRouteIncludingTheOpenApiDocumentRefusesACallWithoutTheToken() throws Exception {
        java.util.Set<String> routes = new java.util.TreeSet<>(admin.routes());
        assertTrue(routes.contains("GET /admin/v1/openapi.yaml") && routes.contains("GET /admin/v1/fine-tunes"),
                routes.toString());
        for (String route : routes) {
            String[] methodAndPath = route.split(" ", 2);
            String path = methodAndPath[1].replaceAll("\\{[^}]+\\}", "x");
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port()
                    + path)).method(methodAndPath[0], HttpRequest.BodyPublishers.noBody()));
            assertEquals(401, r.statusCode(), route + ": " + r.body());
        }
    }

    @Test
    void fineTuneRequestInAnUnacceptedMediaTypeIs415() throws Exception {
        assertProblem(send(adminRequest("/admin/v1/fine-tunes").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("photos"))), 415, "text/plain");
    }

    @Test
    void jsonFineTuneRequestOverItsBodyLimitIs413NamingTheLimit() throws Exception {
        String big = "{\"dataset\":{\"folder\":\"" + "a".repeat((int) FineTuneRoutes.MAX_BODY) + "\"}}";
        assertProblem(postJson("/admin/v1/fine-tunes", big), 413, "64 KiB for a JSON fine-tune request");
    }

    @Test
    void unknownJobIs404() throws Exception {
        assertProblem(send(adminRequest("/admin/v1/fine-tunes/nope").GET()), 404, "nope");
    }

    @Test
    void adminRoutesDoNotExistOnThePublicListener() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/admin/v1/fine-tunes")).header("Authorization", "Bearer " + TOKEN).header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode(), r.body());
        assertTrue(server.routes().stream().noneMatch(route -> route.contains("/admin")), server.routes().toString());
    }

    @Test
    void adminListenerRefusesToStartWithoutAToken() {
        TaggerConfig noToken = TaggerConfig.load(null, Map.of(), Map.of("admin.port", "0", "server.port", "0"));
        ConfigException e = assertThrows(ConfigException.class, () -> io.producttagger.app.TaggerApp.serve(noToken));
        assertTrue(e.getMessage().contains("TAGGER_ADMIN_TOKEN"), e.getMessage());
    }
}
