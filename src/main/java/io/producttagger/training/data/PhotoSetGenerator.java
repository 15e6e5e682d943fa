package io.producttagger.training.data;

import io.producttagger.vision.Exif;
import io.producttagger.vision.OpenCv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Turns 28x28 Fashion-MNIST images back into photo-like files, to check that the vision pipeline brings
 * real photos into the model's domain: negated to a light background, upscaled to 400-1200 pixels, placed
 * on a larger canvas with margins, lit with a light tint and the product tinted, saved as JPEG at various
 * qualities or as PNG, and some JPEGs stored rotated with the EXIF orientation that undoes it.
 *
 * <p>Photo {@code i} depends only on the seed and {@code i}, so any prefix of a set is reproducible.
 */
public final class PhotoSetGenerator {

    /** Name of the label file written next to the photos. */
    public static final String LABELS_CSV = "labels.csv";

    /**
     * One encoded photo.
     *
     * @param bytes the file contents
     * @param extension {@code jpg} or {@code png}
     * @param orientation the EXIF orientation stored (1 when none)
     */
    public record Photo(byte[] bytes, String extension, int orientation) {}

    /**
     * One written photo.
     *
     * @param path the file, relative to the set's folder
     * @param label the label index
     */
    public record Entry(String path, int label) {}

    private final long seed;
    private final double megapixels;
    private final boolean jpegOnly;

    /** Creates a generator; the same seed always makes the same photos. */
    public PhotoSetGenerator(long seed) {
        this(seed, 0, false);
    }

    /**
     * Creates a generator of camera-sized photos, for benchmarks at a given resolution.
     *
     * @param seed the same seed always makes the same photos
     * @param megapixels when positive, every photo has this many megapixels (the product keeps its place on the
     *     canvas) and sensor-like noise, as a camera's JPEG carries; 0 for the 400-1200 px products
     * @param jpegOnly whether the one photo in five that would be a PNG is a JPEG too
     */
    public PhotoSetGenerator(long seed, double megapixels, boolean jpegOnly) {
        OpenCv.load();
        this.seed = seed;
        this.megapixels = megapixels;
        this.jpegOnly = jpegOnly;
    }

    /**
     * Makes photo {@code index} from one 28x28 grayscale image (0 background, 255 ink).
     *
     * @param pixels the image's bytes, row by row
     */
    public Photo photo(byte[] pixels, int side, int index) {
        // SplittableRandom mixes its seed, so neighbouring indices get unrelated streams (java.util.Random does not).
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        Mat ink = new Mat(side, side, CvType.CV_8UC1);
        ink.put(0, 0, pixels);
        int big = 400 + r.nextInt(801);
        if (megapixels > 0) {
            // margins add 10-70% per side, 40% on average; the canvas is scaled to the exact size below
            big = (int) Math.round(Math.sqrt(megapixels * 1e6) / 1.4);
        }
        Mat inkBig = new Mat();
        Imgproc.resize(ink, inkBig, new Size(big, big), 0, 0, Imgproc.INTER_LINEAR);
        ink.release();

        // Light, tinted backdrop and a darker tinted product: pixel = bg * (1 - t) + product * t, t = ink.
        double level = 225 + r.nextInt(31);
        Scalar bg = new Scalar(channel(level, r, 18), channel(level, r, 18), channel(level, r, 18));
        Scalar product = new Scalar(r.nextInt(70), r.nextInt(70), r.nextInt(70));
        Mat t = new Mat();
        inkBig.convertTo(t, CvType.CV_32F, 1 / 255.0);
        inkBig.release();
        Mat t3 = new Mat();
        Core.merge(List.of(t, t, t), t3);
        t.release();
        Mat ones = new Mat(t3.size(), t3.type(), new Scalar(1, 1, 1));
        Mat inv = new Mat();
        Core.subtract(ones, t3, inv);
        ones.release();
        Mat a = new Mat();
        Core.multiply(inv, bg, a);
        Mat b = new Mat();
        Core.multiply(t3, product, b);
        Core.add(a, b, a);
        Mat item = new Mat();
        a.convertTo(item, CvType.CV_8UC3);
        for (Mat m : List.of(t3, inv, a, b)) {
            m.release();
        }

        int left = margin(big, r);
        int right = margin(big, r);
        int top = margin(big, r);
        int bottom = margin(big, r);
        Mat canvas = new Mat(big + top + bottom, big + left + right, CvType.CV_8UC3, bg);
        item.copyTo(canvas.submat(new Rect(left, top, big, big)));
        item.release();
        if (megapixels > 0) {
            canvas = cameraSized(canvas, megapixels, r.nextLong());
        }

        Photo out;
        // the draw happens either way, so jpegOnly changes no other photo's pixels
        boolean png = r.nextInt(5) == 0 && !jpegOnly;
        if (png) {
            out = new Photo(OpenCv.encode(canvas, ".png", Imgcodecs.IMWRITE_PNG_COMPRESSION, 1), "png", 1);
        } else {
            int quality = 60 + r.nextInt(36);
            int orientation = switch (r.nextInt(8)) {
                case 0 -> 6;
                case 1 -> 8;
                case 2 -> 3;
                default -> 1;
            };
            Mat stored = storedFor(canvas, orientation);
            byte[] jpeg = OpenCv.encode(stored, ".jpg", Imgcodecs.IMWRITE_JPEG_QUALITY, quality);
            if (stored != canvas) {
                stored.release();
            }
            out = new Photo(orientation == 1 ? jpeg : Exif.withOrientation(jpeg, orientation), "jpg", orientation);
        }
        canvas.release();
        return out;
    }

    /**
     * Writes the first {@code count} images of a set as photos into {@code dir}, with {@value #LABELS_CSV}
     * ({@code path,label}, label names).
     *
     * @return the written entries, in order
     */
    public List<Entry> write(LabeledImages images, int count, Path dir) {
        if (images.channels() != 1 || images.width() != images.height()) {
            throw new IllegalArgumentException("expected square grayscale images");
        }
        int n = Math.min(count, images.size());
        List<Entry> entries = new ArrayList<>(n);
        StringBuilder csv = new StringBuilder("path,label\n");
        byte[] px = new byte[images.imageBytes()];
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < n; i++) {
                System.arraycopy(images.pixels(), i * px.length, px, 0, px.length);
                Photo p = photo(px, images.width(), i);
                String name = String.format(Locale.ROOT, "%05d.%s", i, p.extension());
                Files.write(dir.resolve(name), p.bytes());
                entries.add(new Entry(name, images.labels()[i]));
                csv.append(name).append(',').append(csvField(images.labelNames().get(images.labels()[i])))
                        .append('\n');
            }
            Files.writeString(dir.resolve(LABELS_CSV), csv);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the photo set to " + dir + ": " + e.getMessage(), e);
        }
        return entries;
    }

    /**
     * Scales a canvas (released) to {@code megapixels} and adds the faint noise of a camera sensor, which is what
     * makes a camera's JPEG costly to entropy-decode; smooth synthetic pixels would decode unrealistically fast.
     */
    private static Mat cameraSized(Mat canvas, double megapixels, long noiseSeed) {
        double scale = Math.sqrt(megapixels * 1e6 / ((double) canvas.width() * canvas.height()));
        Mat sized = new Mat();
        Imgproc.resize(canvas, sized, new Size(Math.round(canvas.width() * scale), Math.round(canvas.height() * scale)),
                0, 0, Imgproc.INTER_LINEAR);
        canvas.release();
        Mat noise = new Mat(sized.size(), sized.type());
        Core.setRNGSeed((int) noiseSeed);
        Core.randn(noise, 0, 4);
        Core.add(sized, noise, sized);
        Core.randn(noise, 0, 4);
        Core.subtract(sized, noise, sized);
        noise.release();
        return sized;
    }

    /** The stored pixels for an orientation: rotated so that applying the orientation makes them upright. */
    private static Mat storedFor(Mat upright, int orientation) {
        if (orientation == 1) {
            return upright;
        }
        Mat out = new Mat();
        int rotate = switch (orientation) {
            case 6 -> Core.ROTATE_90_COUNTERCLOCKWISE; // the viewer turns it clockwise
            case 8 -> Core.ROTATE_90_CLOCKWISE;
            default -> Core.ROTATE_180;
        };
        Core.rotate(upright, out, rotate);
        return out;
    }

    private static double channel(double level, SplittableRandom r, int jitter) {
        return Math.min(255, Math.max(0, level + r.nextInt(2 * jitter + 1) - jitter));
    }

    private static int margin(int side, SplittableRandom r) {
        return (int) (side * (0.05 + 0.30 * r.nextDouble()));
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /**
     * Command line: {@code [--data DIR] [--out DIR] [--count N] [--seed S] [--megapixels M] [--jpeg-only]};
     * defaults {@code test-images/fashion-mnist}, {@code target/photo-set}, 10000, 42, the 400-1200 px products,
     * one PNG in five.
     */
    public static void main(String[] args) {
        Path data = Path.of("test-images/fashion-mnist");
        Path out = Path.of("target/photo-set");
        int count = 10_000;
        long seed = 42;
        double megapixels = 0;
        boolean jpegOnly = false;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--data" -> data = Path.of(required(args[i], v));
                case "--out" -> out = Path.of(required(args[i], v));
                case "--count" -> count = Integer.parseInt(required(args[i], v));
                case "--seed" -> seed = Long.parseLong(required(args[i], v));
                case "--megapixels" -> megapixels = Double.parseDouble(required(args[i], v));
                case "--jpeg-only" -> {
                    jpegOnly = true;
                    continue;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: [--data DIR] [--out DIR] [--count N] [--seed S] [--megapixels M] [--jpeg-only]");
            }
            i++;
        }
        long t0 = System.nanoTime();
        List<Entry> written = new PhotoSetGenerator(seed, megapixels, jpegOnly).write(FashionMnist.test(data), count, out);
        System.out.printf(Locale.ROOT, "wrote %d photos and %s to %s in %.1f s%n", written.size(), LABELS_CSV, out,
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Returns a command-line option's value (the generator's and the photo-set evaluation's {@code main} share it).
     *
     * @throws IllegalArgumentException when the option is the last argument and has no value
     */
    public static String required(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }
}
