package io.producttagger.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.CommandRun;
import io.producttagger.ScoreAgreement;
import io.producttagger.catalog.CatalogRun;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.InProcessTagger;
import io.producttagger.catalog.Lanes;
import io.producttagger.catalog.OutputFormat;
import io.producttagger.catalog.ResultWriter;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.InferencePool;
import io.producttagger.model.LabelScore;
import io.producttagger.model.ModelRegistry;
import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.data.PhotoSetGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job on a real local[2] Spark with the real MXNet engine and the committed model, compared with
 * {@code tag} in-process on the same images. The photos are made from Fashion-MNIST, so every run asks for the
 * clothing model ({@code model.name=fashion}) rather than the general default.
 */
class TagSparkJobTest {

    private static final Path ENGINE_CACHE = Path.of("target/djl-cache").toAbsolutePath();
    private static SparkSession spark;

    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, String> skus = new HashMap<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        EngineEnvironment.prepare(ENGINE_CACHE);
        spark = SparkSession.builder().master("local[2]").appName("TagSparkJobTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private static CommandRun tagSpark(String... args) {
        List<String> argv = new ArrayList<>(List.of("--set", "engine.cache=" + ENGINE_CACHE, "--set", "model.name=fashion",
                "--executor-engine-cache", ENGINE_CACHE.toString()));
        argv.addAll(List.of(args));
        return CommandRun.of(TagSparkCommand.commandLine(), argv);
    }

    /** Writes photo-like images (JPEG and PNG) made from the committed test set, and a CSV manifest of them. */
    private Path manifest(int count, String... extraLines) throws Exception {
        Path images = dir.resolve("images");
        List<PhotoSetGenerator.Entry> entries = new PhotoSetGenerator(3)
                .write(FashionMnist.test(Path.of("test-images/fashion-mnist")), count, images);
        StringBuilder csv = new StringBuilder("id,path,sku\n");
        for (PhotoSetGenerator.Entry e : entries) {
            csv.append("item-").append(e.path()).append(",images/").append(e.path()).append(",sku-")
                    .append(e.label()).append('\n');
            skus.put("item-" + e.path(), "sku-" + e.label());
        }
        for (String line : extraLines) {
            csv.append(line).append('\n');
            skus.put(line.split(",")[0], line.split(",")[2]);
        }
        return Files.writeString(dir.resolve("catalog.csv"), csv);
    }

    /** Runs {@code tag} in-process (the CLI's lanes, run and writer) on the manifest; returns the labels by id. */
    private Map<String, List<LabelScore>> tagInProcess(Path manifest, int topK) throws Exception {
        TaggerConfig config = TaggerConfig.load(null, Map.of(), Map.of("engine.cache", ENGINE_CACHE.toString(),
                "model.name", "fashion"));
        Path out = dir.resolve("in-process.jsonl");
        // the job's module holds no app (no Vert.x): the registry is built as the job's own consumers of model build it
        try (ModelRegistry registry = new ModelRegistry(new io.producttagger.model.ModelStore(config.modelZoo()),
                config, new io.producttagger.vision.ImageDecoder(config.vision().maxPixels()),
                InferencePool.Observer.NONE)) {
            var model = registry.acquire(null).model();
            CatalogSource source = CatalogSource.open(manifest, json);
            InProcessTagger.Settings lanes = new InProcessTagger.Settings(new Lanes.Settings(2,
                    config.inference().maxBatch(), 1, config.server().maxBodyBytes()), topK, 0);
            try (InProcessTagger tagger = new InProcessTagger(model, lanes);
                    ResultWriter writer = new ResultWriter(out, OutputFormat.JSONL, topK, source.extraColumns(),
                            ResultWriter.Mode.CREATE, json)) {
                new CatalogRun(tagger, writer, new CatalogRun.Settings(lanes.window(), 5), CatalogRun.Listener.NONE)
                        .run(source);
            }
        }
        Map<String, List<LabelScore>> labels = new HashMap<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            JsonNode row = json.readTree(line);
            List<LabelScore> scores = new ArrayList<>();
            row.path("labels").forEach(l -> scores.add(new LabelScore(l.path("label").asText(),
                    l.path("score").asDouble())));
            labels.put(row.path("id").asText(), scores);
        }
        return labels;
    }

    /** Returns a Spark output row's labels. */
    private static List<LabelScore> labels(Row row) {
        List<Row> labels = row.getList(row.fieldIndex("labels"));
        return labels.stream().map(l -> new LabelScore(l.getString(0), l.getDouble(1))).toList();
    }

    @Test
    void tagsAManifestWithABrokenImageLikeTagInProcess() throws Exception {
        Path images = dir.resolve("images");
        Files.createDirectories(images);
        Files.writeString(images.resolve("broken.jpg"), "this is not a jpeg");
        Path manifest = manifest(40, "item-broken,images/broken.jpg,sku-x", "item-missing,images/nowhere.jpg,sku-y");
        Path out = dir.resolve("tags.parquet");

        CommandRun r = tagSpark("--master", "local[2]", "--top-k", "3", manifest.toString(), out.toString());

        assertEquals(3, r.exitCode(), "some images failed: " + r.out() + r.err());
        assertTrue(r.out().contains("tagged 40, failed 2 of 42"), r.out());
        assertTrue(Files.exists(out.resolve("_SUCCESS")), "committed");
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(42, rows.size(), "one row per manifest row");
        assertEquals(42, rows.stream().map(row -> row.getString(row.fieldIndex("id"))).distinct().count());
        Map<String, List<LabelScore>> expected = tagInProcess(manifest, 3);
        for (Row row : rows) {
            String id = row.getString(row.fieldIndex("id"));
            String error = row.getString(row.fieldIndex("error"));
            List<Row> labels = row.getList(row.fieldIndex("labels"));
            assertEquals(skus.get(id), row.getString(row.fieldIndex("sku")), "the manifest's other columns travel");
            if (id.equals("item-broken") || id.equals("item-missing")) {
                assertNotNull(error, id);
                assertTrue(labels.isEmpty(), id);
                assertEquals("", row.getString(row.fieldIndex("model")));
                continue;
            }
            assertNull(error, id);
            assertEquals(3, labels.size(), id);
            assertEquals("fashion", row.getString(row.fieldIndex("model")));
            assertEquals(List.of(), ScoreAgreement.disagreements(id, expected.get(id), labels(row)),
                    "the same labels and scores as tag in-process");
            assertTrue(labels.get(0).getDouble(1) >= labels.get(1).getDouble(1), "best label first");
        }
        Row broken = rows.stream().filter(row -> row.getString(0).equals("item-broken")).findFirst().orElseThrow();
        assertTrue(broken.getString(broken.fieldIndex("error")).toLowerCase().contains("jpeg"),
                broken.getString(broken.fieldIndex("error")));
        Row missing = rows.stream().filter(row -> row.getString(0).equals("item-missing")).findFirst().orElseThrow();
        assertTrue(missing.getString(missing.fieldIndex("error")).startsWith("file not found"),
                missing.getString(missing.fieldIndex("error")));
    }

    /**
     * A few hundred photos through the job on local[2] (two tasks starting on a freshly loaded model at once, in
     * batches of the job's size) and through {@code tag} in this JVM: every label's score agrees by
     * {@link ScoreAgreement}, not only the top label.
     */
    @Test
    void aFewHundredPhotosGetTheScoresTagGivesInTheSameJvm() throws Exception {
        Path manifest = manifest(240);
        Path out = dir.resolve("many.parquet");

        CommandRun r = tagSpark("--master", "local[2]", "--top-k", "10", "--images-per-partition", "60",
                manifest.toString(), out.toString());

        assertEquals(0, r.exitCode(), r.out() + r.err());
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(240, rows.size());
        Map<String, List<LabelScore>> expected = tagInProcess(manifest, 10);
        List<String> wrong = new ArrayList<>();
        for (Row row : rows) {
            String id = row.getString(row.fieldIndex("id"));
            wrong.addAll(ScoreAgreement.disagreements(id, expected.get(id), labels(row)));
        }
        assertEquals(List.of(), wrong, "Spark against tag in-process");
    }

    /**
     * {@code --embeddings}: each tagged row carries the image's embedding, the vector {@code POST /v1/embed} gives
     * (the version loaded for embeddings, the image alone), unit length; a broken image's is null and the manifest's
     * columns still follow.
     */
    @Test
    void embeddingsColumnHoldsWhatTheModelEmbedsForEachImage() throws Exception {
        Path images = dir.resolve("images");
        Files.createDirectories(images);
        Files.writeString(images.resolve("broken.jpg"), "this is not a jpeg");
        Path manifest = manifest(24, "item-broken,images/broken.jpg,sku-x");
        Path out = dir.resolve("vectors.parquet");

        CommandRun r = tagSpark("--master", "local[2]", "--embeddings", manifest.toString(), out.toString());

        assertEquals(3, r.exitCode(), "the broken image failed: " + r.out() + r.err());
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(25, rows.size());
        List<String> columns = List.of(rows.get(0).schema().fieldNames());
        assertEquals(columns.indexOf("error") + 1, columns.indexOf("embedding"), "embedding follows error");
        assertTrue(columns.contains("sku"));
        TaggerConfig config = TaggerConfig.load(null, Map.of(), Map.of("engine.cache", ENGINE_CACHE.toString()));
        io.producttagger.model.ModelStore store = new io.producttagger.model.ModelStore(config.modelZoo());
        io.producttagger.vision.ImageDecoder decoder = new io.producttagger.vision.ImageDecoder(
                config.vision().maxPixels());
        try (io.producttagger.model.LoadedModel model = io.producttagger.model.LoadedModel.load(store, "fashion", "1",
                io.producttagger.model.ModelOutput.EMBEDDING);
                io.producttagger.model.BatchClassifier alone = io.producttagger.model.BatchClassifier.over(model,
                        decoder, 1)) {
            for (Row row : rows) {
                String id = row.getString(row.fieldIndex("id"));
                int at = row.fieldIndex("embedding");
                if (id.equals("item-broken")) {
                    assertTrue(row.isNullAt(at), "no vector for a broken image");
                    continue;
                }
                List<Float> got = row.getList(at);
                byte[] bytes = Files.readAllBytes(dir.resolve(row.getString(row.fieldIndex("path"))));
                float[] want = alone.score(List.of(alone.prepare(bytes))).get(0);
                assertEquals(want.length, got.size(), id);
                double norm = 0;
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    norm += got.get(i) * got.get(i);
                    worst = Math.max(worst, Math.abs(want[i] - got.get(i)));
                }
                assertEquals(1.0, Math.sqrt(norm), 1e-4, id + " unit length");
                assertTrue(worst <= 1e-5, id + ": differs from the image embedded alone by " + worst);
            }
        }
    }

    @Test
    void aFolderToCsvHasTheClisColumnsAndARerunRefusesOrOverwritesAsAsked() throws Exception {
        Path images = dir.resolve("photos");
        new PhotoSetGenerator(5).write(FashionMnist.test(Path.of("test-images/fashion-mnist")), 6,
                images.resolve("shoes"));
        Path out = dir.resolve("tags-csv");

        CommandRun first = tagSpark("--format", "csv", "--top-k", "2", images.toString(), out.toString());
        assertEquals(0, first.exitCode(), first.err());
        List<Row> rows = spark.read().option("header", "true").csv(out.toString()).collectAsList();
        assertEquals(6, rows.size());
        assertEquals(List.of("id", "path", "label_1", "score_1", "label_2", "score_2", "model", "version", "error"),
                List.of(rows.get(0).schema().fieldNames()));
        for (Row row : rows) {
            assertTrue(row.getString(0).matches("shoes/\\d{5}\\.(jpg|png)"), "id relative to the folder: " + row);
            assertFalse(row.getString(2).isEmpty(), row.toString());
        }

        CommandRun again = tagSpark("--format", "csv", images.toString(), out.toString());
        assertEquals(2, again.exitCode(), again.err());
        assertTrue(again.err().contains("already exists") && again.err().contains("--overwrite"), again.err());
        assertEquals(6, spark.read().option("header", "true").csv(out.toString()).count(), "the result stays");

        CommandRun overwrite = tagSpark("--format", "jsonl", "--overwrite", images.toString(), out.toString());
        assertEquals(0, overwrite.exitCode(), overwrite.err());
        assertEquals(6, spark.read().json(out.toString()).count());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
    }

    @Test
    void anUnknownModelOrAManifestWithoutPathsFailsTheRunWithAMessageAndNoOutput() throws Exception {
        Path manifest = manifest(2);
        Path out = dir.resolve("never");

        CommandRun unknown = tagSpark("--model", "nosuchmodel", manifest.toString(), out.toString());
        assertEquals(1, unknown.exitCode(), unknown.err());
        assertTrue(unknown.err().contains("nosuchmodel"), unknown.err());

        Path noPaths = Files.writeString(dir.resolve("bad.csv"), "id,file\na,images/00000.jpg\n");
        CommandRun bad = tagSpark(noPaths.toString(), out.toString());
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("'path' column"), bad.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
