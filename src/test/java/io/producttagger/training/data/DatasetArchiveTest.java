package io.producttagger.training.data;

import io.producttagger.training.TrainingException;

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

    /** Builds a gzipped ustar archive of (name, type, content) entries. */
    static byte[] tarGz(String[][] entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
            for (String[] e : entries) {
                byte[] body = e[2].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.write(tarHeader(e[0], e[1].charAt(0), body.length, true));
                out.write(body);
                out.write(new byte[(512 - body.length % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    /**
     * Builds one ustar header; a link ({@code 1} or {@code 2}) points at {@code /etc/passwd}, and a bad checksum
     * is off by one.
     */
    static byte[] tarHeader(String name, char type, long size, boolean goodChecksum) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 124, String.format("%011o", size));
        h[156] = (byte) type;
        if (type == '1' || type == '2') {
            put(h, 157, "/etc/passwd");
        }
        put(h, 257, "ustar");
        put(h, 263, "00");
        // the checksum: the sum of the header's bytes with the checksum field counted as spaces
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", goodChecksum ? sum : sum + 1));
        h[154] = 0;
        return h;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, b.length);
    }

    @Test
    void unpacksTarGzOfLabelFolders() throws Exception {
        Path out = archive.unpack(tarGz(new String[][] {{"a/", "5", ""}, {"a/1.jpg", "0", "x"}, {"b/2.jpg", "0", "yy"}}),
                tmp.resolve("u"));
        assertEquals("yy", Files.readString(out.resolve("b/2.jpg")));
    }

    @Test
    void refusesSymlinkInTar() {
        TrainingException e = assertThrows(TrainingException.Invalid.class, () -> archive.unpack(
                tarGz(new String[][] {{"a/link.jpg", "2", ""}}), tmp.resolve("u")));
        assertTrue(e.getMessage().contains("link"), e.getMessage());
    }

    @Test
    void refusesDotDotInTar() {
        assertThrows(TrainingException.Invalid.class, () -> archive.unpack(
                tarGz(new String[][] {{"a/../../evil.jpg", "0", "x"}}), tmp.resolve("u")));
        assertFalse(Files.exists(tmp.resolve("evil.jpg")));
    }

    @Test
    void refusesBytesThatAreNotAZip() {
        assertThrows(TrainingException.Invalid.class,
                () -> archive.unpack("not a zip".getBytes(), tmp.resolve("u")));
    }

    @Test
    void refusesATarHeaderWithABadChecksum() throws Exception {
        byte[] tar = tarGz(new String[][] {{"a/1.jpg", "0", "x"}, {"b/2.jpg", "0", "y"}});
        byte[] raw = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(tar)).readAllBytes();
        raw[0] = 'c'; // "c/1.jpg": a corrupted name the checksum no longer matches
        TrainingException e = assertThrows(TrainingException.Invalid.class,
                () -> archive.unpack(raw, tmp.resolve("u")));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("u")));
    }

    @Test
    void zipEntryNameThatIsNotUtf8IsRefusedAsInvalid() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            out.putNextEntry(new ZipEntry("a/caf\u00e9.jpg")); // 0xE9 alone: not UTF-8
            out.write(1);
            out.closeEntry();
        }
        TrainingException e = assertThrows(TrainingException.Invalid.class,
                () -> archive.unpack(bytes.toByteArray(), tmp.resolve("u")));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("u")));
    }

    @Test
    void zipWithCorruptedBytesIsUnpackedOrRefusedAsInvalidNeverAnotherFailure() {
        byte[] good = zip(Map.of("a/1.jpg", new byte[] {1, 2, 3}, "b/2.jpg", new byte[] {4, 5, 6}));
        java.util.Random random = new java.util.Random(14);
        for (int i = 0; i < 300; i++) {
            byte[] bad = good.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            Path target = tmp.resolve("u" + i);
            try {
                archive.unpack(bad, target);
            } catch (TrainingException.Invalid expected) {
                assertFalse(Files.exists(target), "nothing left behind by case " + i);
            } catch (RuntimeException e) {
                throw new AssertionError("case " + i + " (" + java.util.HexFormat.of().formatHex(bad) + ") failed with "
                        + e, e);
            }
        }
    }
}
