package io.producttagger;

import io.producttagger.model.EngineEnvironment;
import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.data.LabeledImages;
import io.producttagger.vision.OpenCv;
import java.nio.file.Path;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/** Shared test set-up: offline DJL, the committed data and model, and photo-like fixtures. */
public final class TestSupport {

    /** The committed Fashion-MNIST test set. */
    public static final Path FASHION_TEST = Path.of("test-images/fashion-mnist");
    /** The committed model zoo. */
    public static final Path MODEL_ZOO = Path.of("model-zoo");

    private static LabeledImages test;

    static {
        EngineEnvironment.prepare(Path.of("target/djl-cache"));
    }

    private TestSupport() {}

    /** Puts DJL offline (idempotent); call before touching any DJL class. */
    public static void offline() {
        // the static initialiser did the work
    }

    /**
     * Starts the service through the composition root, as {@code serve} does, and waits until its default model
     * is loaded and warm.
     */
    public static io.producttagger.app.TaggerApp serve(io.producttagger.config.TaggerConfig config)
            throws InterruptedException {
        io.producttagger.app.TaggerApp app = io.producttagger.app.TaggerApp.serve(config);
        try {
            awaitReady(app);
        } catch (AssertionError | InterruptedException e) {
            app.close();
            throw e;
        }
        return app;
    }

    /**
     * Returns the configuration of a test service: both listeners on loopback at free ports, the admin listener
     * off unless {@code env} holds {@code TAGGER_ADMIN_TOKEN}, then the given {@code key, value} pairs.
     */
    public static io.producttagger.config.TaggerConfig serviceConfig(java.util.Map<String, String> env,
            String... pairs) {
        java.util.Map<String, String> flags = new java.util.LinkedHashMap<>();
        flags.put("server.port", "0");
        flags.put("server.host", "127.0.0.1");
        flags.put("admin.port", "0");
        flags.put("admin.enabled", Boolean.toString(env.containsKey("TAGGER_ADMIN_TOKEN")));
        for (int i = 0; i < pairs.length; i += 2) {
            flags.put(pairs[i], pairs[i + 1]);
        }
        return io.producttagger.config.TaggerConfig.load(null, env, flags);
    }

    /** Waits (up to a minute) until the service's default model is loaded and warm. */
    public static void awaitReady(io.producttagger.app.TaggerApp app) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!app.isReady()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("server did not become ready within a minute");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Returns the {@code METHOD /path} pairs an OpenAPI document describes, sorted: paths are the keys indented
     * two spaces under {@code paths:}, methods the keys indented four spaces under a path.
     */
    public static java.util.List<String> documentedRoutes(String openApiYaml) {
        java.util.List<String> documented = new java.util.ArrayList<>();
        String path = null;
        for (String line : openApiYaml.split("\n")) {
            java.util.regex.Matcher p = java.util.regex.Pattern.compile("^  (/\\S*):\\s*$").matcher(line);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^    (get|post|put|delete|patch):").matcher(line);
            if (p.find()) {
                path = p.group(1);
            } else if (m.find() && path != null) {
                documented.add(m.group(1).toUpperCase(java.util.Locale.ROOT) + " " + path);
            } else if (!line.startsWith(" ") && !line.isBlank()) {
                path = null;
            }
        }
        java.util.Collections.sort(documented);
        return documented;
    }

    /** The 10,000 committed test images, read once per test JVM. */
    public static synchronized LabeledImages fashionTest() {
        if (test == null) {
            test = FashionMnist.test(FASHION_TEST);
        }
        return test;
    }

    /**
     * Turns a 28x28 Fashion-MNIST image into a photo-like JPEG: negated to a light background, upscaled, on a
     * larger white canvas.
     */
    public static byte[] photo(LabeledImages images, int index, int side, String ext) {
        OpenCv.load();
        Mat small = new Mat(images.height(), images.width(), CvType.CV_8UC1);
        small.put(0, 0, java.util.Arrays.copyOfRange(images.pixels(), index * images.imageBytes(),
                (index + 1) * images.imageBytes()));
        Mat neg = new Mat();
        Core.bitwise_not(small, neg);
        Mat big = new Mat();
        Imgproc.resize(neg, big, new Size(side, side), 0, 0, Imgproc.INTER_CUBIC);
        Mat color = new Mat();
        Imgproc.cvtColor(big, color, Imgproc.COLOR_GRAY2BGR);
        Mat canvas = new Mat(side + side / 2, side + side / 3, CvType.CV_8UC3, new Scalar(255, 255, 255));
        color.copyTo(canvas.submat(side / 4, side / 4 + side, side / 6, side / 6 + side));
        byte[] out = OpenCv.encode(canvas, ext, Imgcodecs.IMWRITE_JPEG_QUALITY, 90);
        for (Mat m : new Mat[] {small, neg, big, color, canvas}) {
            m.release();
        }
        return out;
    }

    /** A copy of the photo with 8% cut from each side, re-encoded as a JPEG of quality 0.6. */
    public static byte[] croppedJpeg(Path photo) throws Exception {
        java.awt.image.BufferedImage src = javax.imageio.ImageIO.read(photo.toFile());
        int dx = src.getWidth() * 8 / 100;
        int dy = src.getHeight() * 8 / 100;
        java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(src.getWidth() - 2 * dx, src.getHeight() - 2 * dy,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(src.getSubimage(dx, dy, rgb.getWidth(), rgb.getHeight()), 0, 0, null);
        javax.imageio.ImageWriter writer = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.6f);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var ios = javax.imageio.ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new javax.imageio.IIOImage(rgb, null, null), param);
        }
        writer.dispose();
        return out.toByteArray();
    }

    /**
     * A copy of a product photo on white with its backdrop (the near-white pixels connected to the border) painted
     * {@code rgb}, as PNG: the same photo, another background colour.
     */
    public static byte[] onBackdrop(Path photo, int rgb) throws Exception {
        java.awt.image.BufferedImage img = rgbCopy(photo);
        int w = img.getWidth();
        int h = img.getHeight();
        boolean[] seen = new boolean[w * h];
        java.util.ArrayDeque<int[]> todo = new java.util.ArrayDeque<>();
        for (int[] corner : new int[][] {{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}}) {
            todo.add(corner);
        }
        while (!todo.isEmpty()) {
            int[] p = todo.poll();
            int x = p[0];
            int y = p[1];
            if (x < 0 || y < 0 || x >= w || y >= h || seen[y * w + x]) {
                continue;
            }
            seen[y * w + x] = true;
            int c = img.getRGB(x, y);
            if (((c >> 16) & 255) < 235 || ((c >> 8) & 255) < 235 || (c & 255) < 235) {
                continue;
            }
            img.setRGB(x, y, rgb);
            todo.add(new int[] {x + 1, y});
            todo.add(new int[] {x - 1, y});
            todo.add(new int[] {x, y + 1});
            todo.add(new int[] {x, y - 1});
        }
        return png(img);
    }

    /**
     * A copy of a photo with its red and blue channels swapped, as PNG: white and grey stay, every colour moves. On
     * a product photographed on white it stands for another product drawn alike in other colours.
     */
    public static byte[] channelsSwapped(Path photo) throws Exception {
        java.awt.image.BufferedImage img = rgbCopy(photo);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y);
                img.setRGB(x, y, (c & 0xff00ff00) | ((c >> 16) & 255) | ((c & 255) << 16));
            }
        }
        return png(img);
    }

    private static java.awt.image.BufferedImage rgbCopy(Path photo) throws Exception {
        java.awt.image.BufferedImage src = javax.imageio.ImageIO.read(photo.toFile());
        java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(src.getWidth(), src.getHeight(),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = rgb.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
        g.drawImage(src, 0, 0, null);
        g.dispose();
        return rgb;
    }

    private static byte[] png(java.awt.image.BufferedImage img) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
