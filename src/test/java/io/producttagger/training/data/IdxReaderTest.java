package io.producttagger.training.data;

import io.producttagger.training.TrainingException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    private static final List<String> LABELS = List.of("a", "b", "c");

    @Test
    void readsTheCommittedTestSet() {
        LabeledImages test = TestSupport.fashionTest();
        assertEquals(10_000, test.size());
        assertEquals(28, test.width());
        assertEquals(28, test.height());
        int[] perLabel = new int[10];
        for (int l : test.labels()) {
            perLabel[l]++;
        }
        for (int n : perLabel) {
            assertEquals(1000, n);
        }
    }

    @Test
    void readsPlainAndGzippedFilesAlike() throws IOException {
        byte[] images = images(2, 2, 3, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        byte[] labels = labels(new byte[] {0, 2});
        Path pi = write("i", images, false);
        Path pl = write("l", labels, false);
        Path gi = write("i.gz", images, true);
        Path gl = write("l.gz", labels, true);
        LabeledImages plain = new IdxReader().read(pi, pl, LABELS);
        LabeledImages gz = new IdxReader().read(gi, gl, LABELS);
        assertEquals(3, plain.width());
        assertEquals(2, plain.height());
        assertArrayEquals(plain.pixels(), gz.pixels());
        assertArrayEquals(new int[] {0, 2}, gz.labels());
    }

    @Test
    void rejectsWrongMagicNumber() throws IOException {
        Path labels = write("l", labels(new byte[] {0}), false);
        TrainingException e = assertThrows(TrainingException.class,
                () -> new IdxReader().read(labels, labels, LABELS));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void rejectsTruncatedImageFile() throws IOException {
        byte[] full = images(2, 2, 2, new byte[8]);
        Path images = write("i", java.util.Arrays.copyOf(full, full.length - 3), false);
        Path labels = write("l", labels(new byte[] {0, 1}), false);
        TrainingException e = assertThrows(TrainingException.class,
                () -> new IdxReader().read(images, labels, LABELS));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectsTruncatedGzipStream() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(images(100, 4, 4, new byte[1600]));
        }
        byte[] bytes = gz.toByteArray();
        Path images = write("i.gz", java.util.Arrays.copyOf(bytes, bytes.length / 2), false);
        Path labels = write("l", labels(new byte[100]), false);
        assertThrows(TrainingException.class, () -> new IdxReader().read(images, labels, LABELS));
    }

    @Test
    void rejectsCountMismatchBetweenImagesAndLabels() throws IOException {
        Path images = write("i", images(2, 1, 1, new byte[2]), false);
        Path labels = write("l", labels(new byte[] {0}), false);
        TrainingException e = assertThrows(TrainingException.class,
                () -> new IdxReader().read(images, labels, LABELS));
        assertTrue(e.getMessage().contains("2 images") && e.getMessage().contains("1 labels"), e.getMessage());
    }

    @Test
    void rejectsLabelOutsideTheLabelSet() throws IOException {
        Path images = write("i", images(1, 1, 1, new byte[1]), false);
        Path labels = write("l", labels(new byte[] {7}), false);
        assertThrows(TrainingException.class, () -> new IdxReader().read(images, labels, LABELS));
    }

    @Test
    void rejectsTrailingData() throws IOException {
        byte[] full = images(1, 1, 1, new byte[1]);
        Path images = write("i", java.util.Arrays.copyOf(full, full.length + 5), false);
        Path labels = write("l", labels(new byte[] {0}), false);
        assertThrows(TrainingException.class, () -> new IdxReader().read(images, labels, LABELS));
    }

    @Test
    void rejectsEmptyAndMissingFiles() throws IOException {
        Path empty = write("e", new byte[0], false);
        assertThrows(TrainingException.class, () -> new IdxReader().read(empty, empty, LABELS));
        assertThrows(TrainingException.class,
                () -> new IdxReader().read(dir.resolve("nope"), dir.resolve("nope2"), LABELS));
    }

    private static byte[] images(int count, int rows, int cols, byte[] pixels) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(IdxReader.IMAGES_MAGIC);
        d.writeInt(count);
        d.writeInt(rows);
        d.writeInt(cols);
        d.write(pixels);
        return b.toByteArray();
    }

    private static byte[] labels(byte[] labels) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(IdxReader.LABELS_MAGIC);
        d.writeInt(labels.length);
        d.write(labels);
        return b.toByteArray();
    }

    private Path write(String name, byte[] data, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        if (gzip) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
                out.write(data);
            }
        } else {
            Files.write(p, data);
        }
        return p;
    }
}
