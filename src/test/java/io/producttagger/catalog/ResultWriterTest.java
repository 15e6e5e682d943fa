package io.producttagger.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.model.LabelScore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultWriterTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    private static CatalogItem item(String id, Map<String, String> extra) {
        return CatalogItem.of(id, "photos/" + id, Path.of("photos", id), extra);
    }

    private static final Tagging BAG = new Tagging(List.of(new LabelScore("Bag", 0.9), new LabelScore("Coat", 0.05)),
            "fashion", "3");

    private ResultWriter writer(Path out, OutputFormat format, ResultWriter.Mode mode) {
        return new ResultWriter(out, format, 2, List.of("title", "error"), mode, json);
    }

    @Test
    void csvHasHeaderLabelScorePairsAndQuotedExtraColumns() {
        Path out = dir.resolve("out.csv");
        try (ResultWriter w = writer(out, OutputFormat.CSV, ResultWriter.Mode.CREATE)) {
            w.write(CatalogRow.tagged(item("a.jpg", Map.of("title", "Red, \"big\" bag", "error", "x")), BAG));
            w.write(CatalogRow.failed(item("b.jpg", Map.of("title", "two\nlines")), "not an image"));
        }
        assertEquals("id,path,label_1,score_1,label_2,score_2,model,version,error,title,input_error",
                CatalogFixtures.lines(out).get(0));
        List<List<String>> rows = CatalogFixtures.csvRows(out);
        assertEquals(List.of("a.jpg", "photos/a.jpg", "Bag", "0.900000", "Coat", "0.050000", "fashion", "3", "",
                "Red, \"big\" bag", "x"), rows.get(0));
        assertEquals(List.of("b.jpg", "photos/b.jpg", "", "", "", "", "", "", "not an image", "two\nlines", ""),
                rows.get(1));
    }

    @Test
    void jsonlHasOneObjectPerLineWithLabelsArrayAndNullErrorWhenTagged() throws Exception {
        Path out = dir.resolve("out.jsonl");
        try (ResultWriter w = writer(out, OutputFormat.JSONL, ResultWriter.Mode.CREATE)) {
            w.write(CatalogRow.tagged(item("a.jpg", Map.of("title", "t")), BAG));
            w.write(CatalogRow.failed(item("b.jpg", Map.of()), "not an image"));
        }
        List<String> lines = CatalogFixtures.lines(out);
        assertEquals(2, lines.size());
        JsonNode a = json.readTree(lines.get(0));
        assertEquals("Bag", a.path("labels").path(0).path("label").asText());
        assertEquals(0.9, a.path("labels").path(0).path("score").asDouble(), 1e-9);
        assertEquals("fashion", a.path("model").asText());
        assertTrue(a.path("error").isNull());
        assertEquals("t", a.path("title").asText());
        assertEquals("not an image", json.readTree(lines.get(1)).path("error").asText());
    }

    @Test
    void refusesToOverwriteAnExistingOutputWithoutResumeOrOverwrite() throws Exception {
        Path out = Files.writeString(dir.resolve("out.csv"), "something\n");
        assertThrows(CatalogException.InvalidArgument.class, () -> writer(out, OutputFormat.CSV,
                ResultWriter.Mode.CREATE));
        writer(out, OutputFormat.CSV, ResultWriter.Mode.OVERWRITE).close();
        assertEquals(1, CatalogFixtures.lines(out).size(), "only the new header is left");
    }

    @Test
    void resumeCutsOffAHalfCsvRowAndReturnsTheIdsAlreadyWritten() throws Exception {
        Path out = dir.resolve("out.csv");
        try (ResultWriter w = writer(out, OutputFormat.CSV, ResultWriter.Mode.CREATE)) {
            w.write(CatalogRow.tagged(item("a.jpg", Map.of("title", "multi\nline, quoted")), BAG));
            w.write(CatalogRow.failed(item("b.jpg", Map.of()), "broken"));
        }
        Files.writeString(out, "c.jpg,photos/c.jpg,Bag,0.9,\"half", StandardOpenOption.APPEND);
        try (ResultWriter w = writer(out, OutputFormat.CSV, ResultWriter.Mode.RESUME)) {
            assertEquals(Set.of("a.jpg", "b.jpg"), w.existing().doneIds());
            assertEquals(1, w.existing().failed());
            assertTrue(w.existing().truncatedBytes() > 0);
            w.write(CatalogRow.tagged(item("c.jpg", Map.of()), BAG));
        }
        assertEquals(List.of("a.jpg", "b.jpg", "c.jpg"),
                CatalogFixtures.csvRows(out).stream().map(r -> r.get(0)).toList());
    }

    @Test
    void resumeCutsOffAHalfJsonlRowAndReturnsTheIdsAlreadyWritten() throws Exception {
        Path out = dir.resolve("out.jsonl");
        try (ResultWriter w = writer(out, OutputFormat.JSONL, ResultWriter.Mode.CREATE)) {
            w.write(CatalogRow.tagged(item("a.jpg", Map.of()), BAG));
        }
        Files.write(out, "{\"id\":\"b.jpg\",\"pa".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (ResultWriter w = writer(out, OutputFormat.JSONL, ResultWriter.Mode.RESUME)) {
            assertEquals(Set.of("a.jpg"), w.existing().doneIds());
            w.write(CatalogRow.tagged(item("b.jpg", Map.of()), BAG));
        }
        List<String> lines = CatalogFixtures.lines(out);
        assertEquals(2, lines.size());
        assertEquals("b.jpg", json.readTree(lines.get(1)).path("id").asText());
    }

    @Test
    void resumeRefusesAnOutputWithOtherColumns() throws Exception {
        Path out = dir.resolve("out.csv");
        new ResultWriter(out, OutputFormat.CSV, 5, List.of(), ResultWriter.Mode.CREATE, json).close();
        assertThrows(CatalogException.InvalidArgument.class, () -> writer(out, OutputFormat.CSV,
                ResultWriter.Mode.RESUME));
    }
}
