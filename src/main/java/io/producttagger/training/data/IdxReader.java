package io.producttagger.training.data;

import io.producttagger.training.TrainingException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of MNIST-style data sets (plain or gzipped), validating magic numbers and sizes.
 *
 * <p>Images: magic {@code 0x00000803}, count, rows, columns, then unsigned bytes. Labels: magic
 * {@code 0x00000801}, count, then one byte each. All integers are big-endian.
 */
public final class IdxReader {

    /** The magic number of an unsigned-byte, three-dimensional IDX file (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** The magic number of an unsigned-byte, one-dimensional IDX file (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int MAX_SIDE = 4096;

    /** Creates a reader. */
    public IdxReader() {}

    /**
     * Reads an image file and its label file into one set.
     *
     * @param labelNames the names of the label indices
     * @throws TrainingException when a file is missing, corrupt, truncated or the two disagree
     */
    public LabeledImages read(Path images, Path labels, List<String> labelNames) {
        Images img = readImages(images);
        int[] lab = readLabels(labels);
        if (lab.length != img.count()) {
            throw new TrainingException(images.getFileName() + " holds " + img.count() + " images but "
                    + labels.getFileName() + " holds " + lab.length + " labels");
        }
        for (int i = 0; i < lab.length; i++) {
            if (lab[i] >= labelNames.size()) {
                throw new TrainingException(labels + ": label " + lab[i] + " at index " + i + " is outside 0.."
                        + (labelNames.size() - 1));
            }
        }
        return new LabeledImages(img.cols(), img.rows(), 1, img.pixels(), lab, labelNames);
    }

    /** The pixels of an IDX image file. */
    record Images(int count, int rows, int cols, byte[] pixels) {}

    /** Reads an IDX image file. */
    Images readImages(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = header(in, file);
            if (magic != IMAGES_MAGIC) {
                throw new TrainingException(file + " is not an IDX image file: magic number 0x"
                        + Integer.toHexString(magic) + ", expected 0x" + Integer.toHexString(IMAGES_MAGIC));
            }
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows < 1 || cols < 1 || rows > MAX_SIDE || cols > MAX_SIDE
                    || (long) count * rows * cols > Integer.MAX_VALUE - 8) {
                throw new TrainingException(file + ": implausible header (" + count + " images of " + rows + "x"
                        + cols + ")");
            }
            byte[] pixels = new byte[count * rows * cols];
            readFully(in, pixels, file, count + " images of " + rows + "x" + cols);
            expectEnd(in, file);
            return new Images(count, rows, cols, pixels);
        } catch (IOException e) {
            throw new TrainingException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads an IDX label file. */
    int[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = header(in, file);
            if (magic != LABELS_MAGIC) {
                throw new TrainingException(file + " is not an IDX label file: magic number 0x"
                        + Integer.toHexString(magic) + ", expected 0x" + Integer.toHexString(LABELS_MAGIC));
            }
            int count = in.readInt();
            if (count < 0) {
                throw new TrainingException(file + ": negative label count " + count);
            }
            byte[] raw = new byte[count];
            readFully(in, raw, file, count + " labels");
            expectEnd(in, file);
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                out[i] = raw[i] & 0xFF;
            }
            return out;
        } catch (IOException e) {
            throw new TrainingException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new TrainingException("IDX file not found: " + file);
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                raw = new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
            } catch (ZipException e) {
                raw.close();
                throw new TrainingException(file + " is not a valid gzip file: " + e.getMessage(), e);
            }
        }
        return new DataInputStream(raw);
    }

    private static int header(DataInputStream in, Path file) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new TrainingException(file + " is empty or shorter than an IDX header", e);
        }
    }

    private static void readFully(DataInputStream in, byte[] buf, Path file, String what) throws IOException {
        int off = 0;
        try {
            while (off < buf.length) {
                int n = in.read(buf, off, buf.length - off);
                if (n < 0) {
                    break;
                }
                off += n;
            }
        } catch (EOFException | ZipException e) {
            throw new TrainingException(file + " is truncated or corrupt: " + e.getMessage(), e);
        }
        if (off < buf.length) {
            throw new TrainingException(file + " is truncated: its header promises " + what + " (" + buf.length
                    + " bytes of data) but only " + off + " follow");
        }
    }

    private static void expectEnd(DataInputStream in, Path file) throws IOException {
        if (in.read() >= 0) {
            throw new TrainingException(file + " has data after the last record its header declares");
        }
    }
}
