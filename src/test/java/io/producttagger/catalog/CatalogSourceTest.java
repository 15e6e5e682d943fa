package io.producttagger.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogSourceTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    private List<CatalogItem> items(Path input) {
        try (Stream<CatalogItem> s = CatalogSource.open(input, json).items()) {
            return s.toList();
        }
    }

    @Test
    void folderYieldsImageFilesRecursivelyWithRelativeIdsInSortedOrder() throws Exception {
        Path root = dir.resolve("photos");
        Files.createDirectories(root.resolve("shoes/sub"));
        Files.createDirectories(root.resolve(".hidden"));
        for (String f : List.of("b.JPG", "a.png", "notes.txt", "shoes/c.webp", "shoes/sub/d.tiff", ".hidden/e.jpg",
                "shoes/f.gif", "g.bmp")) {
            Files.write(root.resolve(f), new byte[] {1});
        }
        List<CatalogItem> items = items(root);
        assertEquals(List.of("a.png", "b.JPG", "g.bmp", "shoes/c.webp", "shoes/f.gif", "shoes/sub/d.tiff"),
                items.stream().map(CatalogItem::id).toList());
        assertEquals(root.resolve("shoes/c.webp"), items.get(3).file());
        assertEquals(6, CatalogSource.open(root, json).count());
    }

    @Test
    void csvManifestResolvesRelativePathsAndCarriesOtherColumns() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        Path manifest = dir.resolve("m/catalog.csv");
        Files.writeString(manifest, "sku,path,id,title\n"
                + "S1,img/1.jpg,p1,\"Red, bag\"\n"
                + "S2," + dir.resolve("abs.png") + ",p2,\"two\nlines\"\n"
                + "S3,img/3.jpg,,plain\n");
        CatalogSource source = CatalogSource.open(manifest, json);
        assertEquals(List.of("sku", "title"), source.extraColumns());
        List<CatalogItem> items = items(manifest);
        assertEquals(3, items.size());
        assertEquals("p1", items.get(0).id());
        assertEquals(dir.resolve("m/img/1.jpg").toAbsolutePath(), items.get(0).file());
        assertEquals(Map.of("sku", "S1", "title", "Red, bag"), items.get(0).extra());
        assertEquals(dir.resolve("abs.png"), items.get(1).file());
        assertEquals("two\nlines", items.get(1).extra().get("title"));
        assertEquals("img/3.jpg", items.get(2).id(), "a row without an id is identified by its path");
    }

    @Test
    void jsonlManifestResolvesRelativePathsAndCarriesOtherFields() throws Exception {
        Path manifest = dir.resolve("catalog.jsonl");
        Files.writeString(manifest, "{\"id\":\"p1\",\"path\":\"a.jpg\",\"price\":12.5,\"tags\":[\"x\"]}\n\n"
                + "{\"id\":\"p2\",\"path\":\"b/c.png\",\"price\":3}\n");
        CatalogSource source = CatalogSource.open(manifest, json);
        assertEquals(List.of("price", "tags"), source.extraColumns());
        List<CatalogItem> items = items(manifest);
        assertEquals(List.of("p1", "p2"), items.stream().map(CatalogItem::id).toList());
        assertEquals(dir.resolve("b/c.png").toAbsolutePath(), items.get(1).file());
        assertEquals(Map.of("price", "12.5", "tags", "[\"x\"]"), items.get(0).extra());
    }

    @Test
    void manifestRowsWithoutPathOrNotJsonBecomeProblemsInsteadOfStoppingTheRun() throws Exception {
        Path manifest = dir.resolve("catalog.jsonl");
        Files.writeString(manifest, "{\"id\":\"p1\"}\nnot json\n{\"id\":\"p3\",\"path\":\"a.jpg\"}\n");
        List<CatalogItem> items = items(manifest);
        assertEquals(3, items.size());
        assertNotNull(items.get(0).problem());
        assertEquals("p1", items.get(0).id());
        assertNotNull(items.get(1).problem());
        assertNull(items.get(2).problem());
    }

    @Test
    void refusesMissingInputAndUnknownKinds() throws Exception {
        assertThrows(CatalogException.InvalidArgument.class, () -> CatalogSource.open(dir.resolve("nope"), json));
        Path txt = Files.writeString(dir.resolve("list.txt"), "a.jpg\n");
        assertThrows(CatalogException.InvalidArgument.class, () -> CatalogSource.open(txt, json));
        Path noPath = Files.writeString(dir.resolve("bad.csv"), "id,file\n1,a.jpg\n");
        assertThrows(CatalogException.InvalidArgument.class, () -> CatalogSource.open(noPath, json));
    }
}
