package io.producttagger.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unpacking uploaded data sets safely. */
class DatasetArchiveTest {

    @TempDir
    Path tmp;

    private final DatasetArchive archive = new DatasetArchive(10, 1000);

    /** Builds a zip from entry names to contents. */
    static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Test
    void unpacksLabelFoldersAndUnwrapsASingleTopFolder() {
        Path out = archive.unpack(zip(Map.of("set/a/1.jpg", new byte[] {1}, "set/b/2.jpg", new byte[] {2})),
                tmp.resolve("u"));
        assertEquals(tmp.resolve("u/set").toAbsolutePath(), out);
        assertTrue(Files.isRegularFile(out.resolve("a/1.jpg")));
    }

    @Test
    void refusesZipSlipEntry() {
        TrainingException e = assertThrows(TrainingException.Invalid.class,
                () -> archive.unpack(zip(Map.of("../evil.jpg", new byte[] {1})), tmp.resolve("u")));
        assertTrue(e.getMessage().contains("zip slip"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("evil.jpg")));
        assertFalse(Files.exists(tmp.resolve("u")), "nothing is left behind");
    }

    @Test
    void refusesAbsoluteEntry() {
        assertThrows(TrainingException.Invalid.class,
                () -> archive.unpack(zip(Map.of("/tmp/evil.jpg", new byte[] {1})), tmp.resolve("u")));
    }

    @Test
    void refusesTooManyEntries() {
        Map<String, byte[]> many = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 11; i++) {
            many.put("a/" + i + ".jpg", new byte[] {1});
        }
        assertThrows(TrainingException.Invalid.class, () -> archive.unpack(zip(many), tmp.resolve("u")));
    }

    @Test
    void refusesMoreBytesThanTheLimitOnceInflated() {
        TrainingException e = assertThrows(TrainingException.Invalid.class,
                () -> archive.unpack(zip(Map.of("a/big.jpg", new byte[5000])), tmp.resolve("u")));
        assertTrue(e.getMessage().contains("uncompressed"), e.getMessage());
    }

    @Test
    void refusesBytesThatAreNotAZip() {
        assertThrows(TrainingException.Invalid.class,
                () -> archive.unpack("not a zip".getBytes(), tmp.resolve("u")));
    }
}
