package io.producttagger.catalog;

import io.producttagger.app.TaggerApp;
import io.producttagger.CommandRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.cli.ExitCodes;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import io.producttagger.training.data.FashionMnist;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tag} command in this process, with a tiny model trained for the tests. */
class InProcessTaggingTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void model() {
        CatalogFixtures.zoo();
    }

    @Test
    void folderToCsvWritesOneTaggedRowPerImage() {
        Path photos = dir.resolve("photos");
        CatalogFixtures.photos(photos.resolve("a"), "jpg", 12, 12, 120, "jpg");
        CatalogFixtures.photos(photos.resolve("b"), "png", 8, 8, 90, "png");
        Path out = dir.resolve("tags.csv");
        CommandRun r = CatalogFixtures.tag(photos.toString(), "-o", out.toString(), "-q", "--top-k", "3");
        assertEquals(ExitCodes.OK, r.exitCode(), r.err());
        assertTrue(r.out().contains("tagged 20, failed 0"), r.out());
        List<List<String>> rows = CatalogFixtures.csvRows(out);
        assertEquals(20, rows.size());
        assertEquals(20, rows.stream().map(row -> row.get(0)).distinct().count());
        for (List<String> row : rows) {
            assertTrue(row.get(0).matches("(a/jpg|b/png)-\\d{4}\\.(jpg|png)"), row.get(0));
            assertTrue(FashionMnist.LABELS.contains(row.get(2)), row.toString());
            assertTrue(Double.parseDouble(row.get(3)) >= Double.parseDouble(row.get(5)), "best label first");
            assertEquals(List.of(CatalogFixtures.MODEL, "1", ""), row.subList(8, 11));
        }
    }

    @Test
    void jsonlManifestToJsonlCarriesOtherFieldsThrough() throws Exception {
        List<Path> files = CatalogFixtures.photos(dir.resolve("img"), "p", 6, 6, 100, "jpg");
        StringBuilder m = new StringBuilder();
        for (int i = 0; i < files.size(); i++) {
            m.append(json.writeValueAsString(Map.of("id", "sku-" + i, "path", "img/" + files.get(i).getFileName(),
                    "price", i))).append('\n');
        }
        Path manifest = Files.writeString(dir.resolve("catalog.jsonl"), m);
        Path out = dir.resolve("tags.jsonl");
        CommandRun r = CatalogFixtures.tag(manifest.toString(), "-o", out.toString(), "-q");
        assertEquals(ExitCodes.OK, r.exitCode(), r.err());
        Set<String> ids = new HashSet<>();
        for (String line : CatalogFixtures.lines(out)) {
            JsonNode row = json.readTree(line);
            ids.add(row.path("id").asText());
            assertEquals(5, row.path("labels").size(), "inference.top-k labels by default");
            assertEquals(String.valueOf(row.path("id").asText().substring(4)), row.path("price").asText());
            assertTrue(row.path("error").isNull());
        }
        assertEquals(Set.of("sku-0", "sku-1", "sku-2", "sku-3", "sku-4", "sku-5"), ids);
    }

    @Test
    void csvManifestToCsvResolvesPathsAgainstTheManifestFolder() throws Exception {
        List<Path> files = CatalogFixtures.photos(dir.resolve("img"), "p", 4, 4, 100, "png");
        StringBuilder m = new StringBuilder("id,path,title\n");
        for (Path f : files) {
            m.append(f.getFileName()).append(",img/").append(f.getFileName()).append(",\"Title, ").append(f.getFileName())
                    .append("\"\n");
        }
        Path manifest = Files.writeString(dir.resolve("catalog.csv"), m);
        Path out = dir.resolve("tags.csv");
        CommandRun r = CatalogFixtures.tag(manifest.toString(), "-o", out.toString(), "-q", "--top-k", "1");
        assertEquals(ExitCodes.OK, r.exitCode(), r.err());
        List<List<String>> rows = CatalogFixtures.csvRows(out);
        assertEquals(4, rows.size());
        for (List<String> row : rows) {
            assertEquals("Title, " + row.get(0), row.get(row.size() - 1));
            assertFalse(row.get(2).isEmpty());
        }
    }

    @Test
    void brokenImagesGetAnErrorRowWhileTheOthersAreTaggedAndTheExitCodeSaysPartial() throws Exception {
        Path photos = dir.resolve("photos");
        CatalogFixtures.photos(photos, "good", 5, 5, 100, "jpg");
        Files.write(photos.resolve("broken.jpg"), "this is not a jpeg".getBytes(StandardCharsets.UTF_8));
        Files.write(photos.resolve("empty.png"), new byte[0]);
        Path out = dir.resolve("tags.csv");
        CommandRun r = CatalogFixtures.tag(photos.toString(), "-o", out.toString(), "-q");
        assertEquals(ExitCodes.PARTIAL, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("tagged 5, failed 2"), r.out());
        assertTrue(r.err().contains("broken.jpg"), "failures are listed: " + r.err());
        List<List<String>> rows = CatalogFixtures.csvRows(out);
        assertEquals(7, rows.size());
        int errorColumn = 2 + 2 * 5 + 2;
        for (List<String> row : rows) {
            boolean bad = row.get(0).equals("broken.jpg") || row.get(0).equals("empty.png");
            assertEquals(bad, !row.get(errorColumn).isEmpty(), row.toString());
            assertEquals(bad, row.get(2).isEmpty(), row.toString());
        }
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        Path out = dir.resolve("tags.csv");
        assertEquals(ExitCodes.USAGE, CatalogFixtures.tag(dir.resolve("missing").toString(), "-o", out.toString())
                .exitCode());
        assertEquals(ExitCodes.USAGE, CatalogFixtures.tag(dir.toString(), "-o", dir.resolve("tags.txt").toString())
                .exitCode());
        assertEquals(ExitCodes.USAGE, CatalogFixtures.tag(dir.toString(), "-o", out.toString(), "--format", "xml")
                .exitCode());
        Files.writeString(out, "id\n");
        CommandRun r = CatalogFixtures.tag(dir.toString(), "-o", out.toString());
        assertEquals(ExitCodes.USAGE, r.exitCode());
        assertTrue(r.err().contains("--resume"), r.err());
    }

    @Test
    void anUnknownModelFailsBeforeCreatingTheOutput() {
        CatalogFixtures.photos(dir.resolve("photos"), "p", 1, 1, 60, "jpg");
        Path out = dir.resolve("tags.csv");
        CommandRun r = CatalogFixtures.tag(dir.resolve("photos").toString(), "-o", out.toString(),
                "--model", "nosuchmodel");
        assertEquals(ExitCodes.FAILURE, r.exitCode(), r.err());
        assertFalse(Files.exists(out), "a rerun with the right model needs neither --resume nor --overwrite");
    }

    @Test
    void cancelledRunWithAHalfRowResumesToExactlyOneRowPerImage() throws Exception {
        Path photos = dir.resolve("photos");
        List<Path> files = CatalogFixtures.photos(photos, "p", 120, 20, 100, "jpg");
        Path out = dir.resolve("tags.jsonl");
        TaggerConfig config = CatalogFixtures.config(Map.of());
        try (TaggerApp app = new TaggerApp(config);
                ModelRegistry.Lease lease = app.registry().acquire(CatalogFixtures.MODEL)) {
            ServingModel model = lease.model();
            CatalogSource source = CatalogSource.open(photos, json);
            AtomicReference<CatalogRun> run = new AtomicReference<>();
            CatalogRun.Summary first;
            try (InProcessTagger tagger = new InProcessTagger(model,
                    new InProcessTagger.Settings(new Lanes.Settings(2, 16, 1, 1 << 20), 3, 0));
                    ResultWriter writer = new ResultWriter(out, OutputFormat.JSONL, 3, List.of(),
                            ResultWriter.Mode.CREATE, json)) {
                run.set(new CatalogRun(tagger, writer, new CatalogRun.Settings(8, 5), new CatalogRun.Listener() {
                    @Override
                    public void onRow(CatalogRow row, long done, long failed) {
                        if (done == 30) {
                            run.get().cancel();
                        }
                    }
                }));
                first = run.get().run(source);
            }
            assertTrue(first.cancelled());
            assertTrue(first.tagged() >= 30 && first.tagged() < files.size(), "stopped mid-way: " + first);
            Files.writeString(out, "{\"id\":\"p-0119.jpg\",\"path\":\"pho", StandardOpenOption.APPEND);

            CatalogRun.Summary second;
            try (InProcessTagger tagger = new InProcessTagger(model,
                    new InProcessTagger.Settings(new Lanes.Settings(2, 16, 1, 1 << 20), 3, 0));
                    ResultWriter writer = new ResultWriter(out, OutputFormat.JSONL, 3, List.of(),
                            ResultWriter.Mode.RESUME, json)) {
                second = new CatalogRun(tagger, writer, new CatalogRun.Settings(8, 5), CatalogRun.Listener.NONE)
                        .run(source);
            }
            assertEquals(first.tagged(), second.skipped());
            assertEquals(files.size(), first.tagged() + second.tagged());
        }
        List<String> ids = new ArrayList<>();
        for (String line : CatalogFixtures.lines(out)) {
            ids.add(json.readTree(line).path("id").asText());
        }
        assertEquals(files.size(), ids.size(), "one row per image");
        assertEquals(files.size(), new HashSet<>(ids).size(), "no id twice");
    }
}
