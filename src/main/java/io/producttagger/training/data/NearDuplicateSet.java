package io.producttagger.training.data;

import io.producttagger.vision.OpenCv;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Makes a labelled near-duplicate set for measuring duplicate detection and similar search: distinct product
 * pictures (originals), each with one variant per {@link Transform} (what sellers do to a photo they copy), mixed
 * with distinct products of the same types that nothing copies (distractors). {@value #MANIFEST} lists every file
 * with the original it copies and the transform, so the measurement knows the truth.
 *
 * <p>Deterministic: the same sources, seed and counts always make the same files.
 */
public final class NearDuplicateSet {

    /** The manifest written next to the images: {@code id,path,original,transform}. */
    public static final String MANIFEST = "manifest.csv";
    /** The manifest's {@code transform} of an original. */
    public static final String ORIGINAL = "original";
    /** The manifest's {@code transform} of a distractor (a distinct product nothing copies). */
    public static final String DISTINCT = "distinct";

    /** What a copy of a product photo went through. */
    public enum Transform {
        /** Re-encoded as a JPEG of quality 8 to 20. */
        JPEG,
        /** Scaled down to 25-50% of its size. */
        RESIZE,
        /** Cropped by 5 to 15% of its width and height, split at random between the sides. */
        CROP,
        /** Rotated by 2 to 8 degrees either way, the corners filled with the background. */
        ROTATE,
        /** Contrast times 0.7 to 1.3 and brightness shifted by up to 40 of 255. */
        LIGHT,
        /** A semi-transparent text watermark across the picture. */
        WATERMARK,
        /** The product put on another background colour. */
        BACKGROUND;

        /** Returns the name the manifest uses. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What to make.
     *
     * @param sources folders of product pictures (PNG with transparency or any image), one per product type;
     *     files under each are found recursively
     * @param originals how many products get copied (drawn round-robin over the types)
     * @param distractors how many further distinct products of the same types join uncopied
     * @param seed the same seed makes the same set
     * @param out the folder to write (created)
     */
    public record Spec(List<Path> sources, int originals, int distractors, long seed, Path out) {}

    private static final String[] MARKS = {"SAMPLE", "(c) shop", "BEST PRICE", "sold by", "www.deals.example",
        "SALE"};

    private final Spec spec;

    /** Creates the generator. */
    public NearDuplicateSet(Spec spec) {
        OpenCv.load();
        this.spec = spec;
    }

    /**
     * Writes the set and its manifest.
     *
     * @return how many files it wrote
     * @throws IllegalArgumentException when the sources hold fewer distinct pictures than asked for
     */
    public int write() throws IOException {
        List<Path> picks = pick();
        Files.createDirectories(spec.out().resolve("originals"));
        Files.createDirectories(spec.out().resolve("variants"));
        Files.createDirectories(spec.out().resolve("distinct"));
        int written = 0;
        try (BufferedWriter manifest = Files.newBufferedWriter(spec.out().resolve(MANIFEST),
                StandardCharsets.UTF_8)) {
            manifest.write("id,path,original,transform,source\n");
            for (int i = 0; i < picks.size(); i++) {
                boolean original = i < spec.originals();
                String id = String.format(Locale.ROOT, "%s%04d", original ? "p" : "d", i);
                // every picture's randomness depends on the seed and its index only, so a larger set keeps the
                // smaller one's pictures
                SplittableRandom random = new SplittableRandom(spec.seed() * 1_000_003L + i);
                Mat picture = read(picks.get(i));
                int side = 360 + random.nextInt(121);
                Mat photo = render(picture, side, new Scalar(255, 255, 255));
                String folder = original ? "originals" : "distinct";
                String path = folder + "/" + id + ".jpg";
                save(photo, 95, spec.out().resolve(path));
                String source = picks.get(i).toAbsolutePath().toString();
                row(manifest, id, path, id, original ? ORIGINAL : DISTINCT, source);
                written++;
                if (!original) {
                    continue;
                }
                for (Transform t : Transform.values()) {
                    String vid = id + "-" + t.key();
                    String vpath = "variants/" + vid + ".jpg";
                    Mat copy = t == Transform.BACKGROUND ? render(picture, side, background(random))
                            : apply(t, photo, random);
                    save(copy, t == Transform.JPEG ? 8 + random.nextInt(13) : 90, spec.out().resolve(vpath));
                    row(manifest, vid, vpath, id, t.key(), source);
                    written++;
                }
            }
        }
        return written;
    }

    /**
     * Picks originals then distractors, round-robin over the sources, skipping a picture that is the same drawing
     * as one already picked: clip-art collections hold a few under two names (one keyboard drawn once, saved at
     * two sizes), and a "distinct" product that is really a copy would count as a false duplicate. Sameness is
     * judged on tiny colour thumbnails, not by the model under test.
     */
    private List<Path> pick() throws IOException {
        List<List<Path>> perSource = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(spec.seed());
        for (Path dir : spec.sources()) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(dir)) {
                files = new ArrayList<>(s.filter(Files::isRegularFile)
                        .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)"))
                        .sorted().toList());
            }
            for (int i = files.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Path tmp = files.get(i);
                files.set(i, files.get(j));
                files.set(j, tmp);
            }
            perSource.add(files);
        }
        int wanted = spec.originals() + spec.distractors();
        List<Path> picks = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Mat> thumbnails = new ArrayList<>();
        int[] next = new int[perSource.size()];
        boolean progress = true;
        while (picks.size() < wanted && progress) {
            progress = false;
            for (int s = 0; s < perSource.size() && picks.size() < wanted; s++) {
                List<Path> files = perSource.get(s);
                while (next[s] < files.size()) {
                    Path p = files.get(next[s]++);
                    if (seen.add(sha256(Files.readAllBytes(p))) && readable(p) && isNew(p, thumbnails)) {
                        picks.add(p);
                        progress = true;
                        break;
                    }
                }
            }
        }
        if (picks.size() < wanted) {
            throw new IllegalArgumentException("the sources " + spec.sources() + " hold " + picks.size()
                    + " distinct readable pictures; " + wanted + " were asked for (originals + distractors)");
        }
        return picks;
    }

    /**
     * The mean absolute difference (of 255) of two thumbnails, over the pixels either draws on, below which two
     * pictures are one drawing.
     */
    private static final double SAME_DRAWING = 16;

    private static boolean isNew(Path p, List<Mat> thumbnails) {
        Mat small = new Mat();
        Imgproc.resize(render(read(p), 96, new Scalar(255, 255, 255)), small, new Size(16, 16), 0, 0,
                Imgproc.INTER_AREA);
        Mat drawn = drawn(small);
        for (Mat t : thumbnails) {
            // over the drawn pixels only: on the white backdrop, two small different products differ in few pixels
            Mat either = new Mat();
            Core.bitwise_or(drawn, drawn(t), either);
            int count = Core.countNonZero(either);
            Mat diff = new Mat();
            Core.absdiff(small, t, diff);
            Scalar mean = Core.mean(diff, either);
            if (count > 0 && (mean.val[0] + mean.val[1] + mean.val[2]) / 3 < SAME_DRAWING) {
                System.err.println("skipped " + p + ": the same drawing as one picked before");
                return false;
            }
        }
        thumbnails.add(small);
        return true;
    }

    private static Mat drawn(Mat thumbnail) {
        Mat gray = new Mat();
        Imgproc.cvtColor(thumbnail, gray, Imgproc.COLOR_BGR2GRAY);
        Mat mask = new Mat();
        Imgproc.threshold(gray, mask, 245, 255, Imgproc.THRESH_BINARY_INV);
        return mask;
    }

    private static boolean readable(Path p) {
        Mat m = Imgcodecs.imread(p.toString(), Imgcodecs.IMREAD_UNCHANGED);
        return !m.empty() && m.width() >= 32 && m.height() >= 32;
    }

    /** Reads a picture as 8-bit BGRA (opaque when it has no alpha). */
    private static Mat read(Path p) {
        Mat m = Imgcodecs.imread(p.toString(), Imgcodecs.IMREAD_UNCHANGED);
        if (m.depth() != CvType.CV_8U) {
            Mat eight = new Mat();
            m.convertTo(eight, CvType.CV_8U, m.depth() == CvType.CV_16U ? 1.0 / 257 : 1.0);
            m = eight;
        }
        Mat bgra = new Mat();
        switch (m.channels()) {
            case 1 -> Imgproc.cvtColor(m, bgra, Imgproc.COLOR_GRAY2BGRA);
            case 3 -> Imgproc.cvtColor(m, bgra, Imgproc.COLOR_BGR2BGRA);
            default -> bgra = m;
        }
        return bgra;
    }

    /**
     * Puts the picture, its longer side {@code side} pixels less a margin, on a square canvas of {@code bg}: its
     * transparency shows the background, as a product photographed on a backdrop.
     */
    static Mat render(Mat bgra, int side, Scalar bg) {
        int inner = (int) Math.round(side * 0.84);
        double scale = (double) inner / Math.max(bgra.width(), bgra.height());
        Mat scaled = new Mat();
        Imgproc.resize(bgra, scaled, new Size(Math.max(1, Math.round(bgra.width() * scale)),
                Math.max(1, Math.round(bgra.height() * scale))), 0, 0, scale < 1 ? Imgproc.INTER_AREA
                : Imgproc.INTER_CUBIC);
        Mat canvas = new Mat(side, side, CvType.CV_8UC3, bg);
        int x = (side - scaled.width()) / 2;
        int y = (side - scaled.height()) / 2;
        Mat roi = canvas.submat(new Rect(x, y, scaled.width(), scaled.height()));
        List<Mat> planes = new ArrayList<>();
        Core.split(scaled, planes);
        Mat alpha = new Mat();
        planes.get(3).convertTo(alpha, CvType.CV_32F, 1.0 / 255);
        Mat alpha3 = new Mat();
        Core.merge(List.of(alpha, alpha, alpha), alpha3);
        Mat fg = new Mat();
        Core.merge(planes.subList(0, 3), fg);
        fg.convertTo(fg, CvType.CV_32FC3);
        Mat back = new Mat();
        roi.convertTo(back, CvType.CV_32FC3);
        Mat one = new Mat(alpha3.size(), CvType.CV_32FC3, new Scalar(1, 1, 1));
        Mat inverse = new Mat();
        Core.subtract(one, alpha3, inverse);
        Core.multiply(fg, alpha3, fg);
        Core.multiply(back, inverse, back);
        Core.add(fg, back, fg);
        fg.convertTo(roi, CvType.CV_8UC3);
        return canvas;
    }

    private static Scalar background(SplittableRandom random) {
        // a coloured backdrop: saturated or dark enough to differ clearly from the original's white
        double[][] palette = {{60, 60, 200}, {200, 120, 40}, {70, 160, 70}, {40, 40, 40}, {180, 200, 240},
            {150, 80, 160}, {90, 200, 230}, {120, 120, 120}};
        double[] c = palette[random.nextInt(palette.length)];
        return new Scalar(c[0], c[1], c[2]);
    }

    /** Returns a copy of {@code photo} that went through {@code t}. */
    static Mat apply(Transform t, Mat photo, SplittableRandom random) {
        Mat out = new Mat();
        switch (t) {
            case JPEG -> out = photo.clone(); // the low quality is chosen when saving
            case RESIZE -> {
                double f = 0.25 + 0.25 * random.nextDouble();
                Imgproc.resize(photo, out, new Size(Math.round(photo.width() * f), Math.round(photo.height() * f)),
                        0, 0, Imgproc.INTER_AREA);
            }
            case CROP -> {
                double fx = 0.05 + 0.10 * random.nextDouble();
                double fy = 0.05 + 0.10 * random.nextDouble();
                int cw = (int) Math.round(photo.width() * fx);
                int ch = (int) Math.round(photo.height() * fy);
                int left = random.nextInt(cw + 1);
                int top = random.nextInt(ch + 1);
                out = photo.submat(new Rect(left, top, photo.width() - cw, photo.height() - ch)).clone();
            }
            case ROTATE -> {
                double angle = (2 + 6 * random.nextDouble()) * (random.nextBoolean() ? 1 : -1);
                Mat m = Imgproc.getRotationMatrix2D(new Point(photo.width() / 2.0, photo.height() / 2.0), angle, 1);
                double[] corner = photo.get(0, 0);
                Imgproc.warpAffine(photo, out, m, photo.size(), Imgproc.INTER_LINEAR, Core.BORDER_CONSTANT,
                        new Scalar(corner[0], corner[1], corner[2]));
            }
            case LIGHT -> {
                double contrast = 0.7 + 0.6 * random.nextDouble();
                double brightness = -40 + 80 * random.nextDouble();
                photo.convertTo(out, -1, contrast, brightness);
            }
            case WATERMARK -> {
                Mat overlay = photo.clone();
                String text = MARKS[random.nextInt(MARKS.length)];
                double scale = photo.width() / 260.0 * (0.8 + 0.6 * random.nextDouble());
                int thickness = Math.max(2, (int) Math.round(scale * 2));
                int[] baseline = new int[1];
                Size size = Imgproc.getTextSize(text, Imgproc.FONT_HERSHEY_SIMPLEX, scale, thickness, baseline);
                int x = (int) Math.max(0, random.nextDouble() * (photo.width() - size.width));
                int y = (int) (size.height + random.nextDouble() * Math.max(1, photo.height() - 2 * size.height));
                Scalar colour = random.nextBoolean() ? new Scalar(255, 255, 255) : new Scalar(30, 30, 30);
                Imgproc.putText(overlay, text, new Point(x, y), Imgproc.FONT_HERSHEY_SIMPLEX, scale, colour,
                        thickness, Imgproc.LINE_AA);
                Imgproc.putText(overlay, text, new Point(x + 2, y + 2), Imgproc.FONT_HERSHEY_SIMPLEX, scale,
                        new Scalar(128, 128, 128), thickness, Imgproc.LINE_AA);
                Core.addWeighted(overlay, 0.6, photo, 0.4, 0, out);
            }
            default -> throw new IllegalArgumentException("not a pixel transform: " + t);
        }
        return out;
    }

    private static void save(Mat image, int quality, Path file) {
        MatOfByte buf = new MatOfByte();
        if (!Imgcodecs.imencode(".jpg", image, buf, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, quality))) {
            throw new IllegalStateException("OpenCV could not encode " + file);
        }
        try {
            Files.write(file, buf.toArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void row(BufferedWriter w, String... fields) throws IOException {
        w.write(String.join(",", fields));
        w.write("\n");
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Writes a set: {@code --out DIR} (target/near-duplicates), {@code --originals N} (40), {@code --distractors N}
     * (80), {@code --seed S} (1), {@code --source DIR} (repeatable; default four openclipart-png product types
     * under /usr/share/openclipart/png).
     */
    public static void main(String[] args) throws IOException {
        Map<String, List<String>> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: --out DIR --originals N --distractors N --seed S [--source DIR]...");
                System.exit(2);
            }
            opts.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[++i]);
        }
        Path clip = Path.of("/usr/share/openclipart/png");
        List<Path> sources = opts.containsKey("source") ? opts.get("source").stream().map(Path::of).toList()
                : Stream.of("food/fruit", "food/beverages", "food/desserts", "computer/hardware")
                        .map(clip::resolve).toList();
        for (Path s : sources) {
            if (!Files.isDirectory(s)) {
                System.err.println("no such folder: " + s + (s.startsWith(clip)
                        ? " (apt-get install openclipart-png)" : ""));
                System.exit(2);
            }
        }
        Spec spec = new Spec(sources, Integer.parseInt(one(opts, "originals", "40")),
                Integer.parseInt(one(opts, "distractors", "80")), Long.parseLong(one(opts, "seed", "1")),
                Path.of(one(opts, "out", "target/near-duplicates")));
        try {
            int n = new NearDuplicateSet(spec).write();
            System.out.println("wrote " + n + " images and " + MANIFEST + " to " + spec.out());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    private static String one(Map<String, List<String>> opts, String name, String fallback) {
        List<String> v = opts.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }
}
