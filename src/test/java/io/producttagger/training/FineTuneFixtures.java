package io.producttagger.training;

import io.producttagger.training.data.LabeledImages;

import io.producttagger.TestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Builds fine-tune fixtures: a temp zoo holding the committed fashion model and photo-like label folders. */
public final class FineTuneFixtures {

    /** Fashion-MNIST classes used as three new labels: trouser, sneaker, bag. */
    public static final int[] CLASSES = {1, 7, 8};
    /** The label folder names of {@link #CLASSES}. */
    public static final String[] LABELS = {"trousers", "sneakers", "bags"};

    private FineTuneFixtures() {}

    /** The committed ImageNet backbone, the default base of a fine-tune ({@code finetune.base-model}). */
    public static final String BACKBONE = "mobilenetv2-imagenet-backbone";

    /** The committed COCO colour backbone, the default base before the ImageNet one and still a base. */
    public static final String COCO_BACKBONE = "mobilenetv3-coco";

    /** The label folder names of {@link #colorSet}. */
    public static final String[] COLOR_LABELS = {"tomatoes", "blueberries", "limes"};

    /** Copies the committed {@code model-zoo/fashion} into {@code zoo}. */
    public static Path zooWithFashion(Path zoo) {
        return zooWith(zoo, "fashion");
    }

    /** Copies the committed models {@code names} (e.g. fashion and the colour backbone) into {@code zoo}. */
    public static Path zooWith(Path zoo, String... names) {
        for (String name : names) {
            copy(TestSupport.MODEL_ZOO.resolve(name), zoo.resolve(name));
        }
        return zoo;
    }

    /**
     * Writes {@code perLabel} colour product-like JPEGs per label into {@code dir/LABEL/}: round fruit of three
     * colours (red, blue, green) with a stalk and a highlight, several to a photo, at random places and sizes on
     * a light background, so only the colour tells them apart and shape, size and position do not.
     */
    public static Path colorSet(Path dir, int perLabel, long seed) {
        io.producttagger.vision.OpenCv.load();
        double[][] colors = {{40, 40, 210}, {170, 80, 50}, {60, 190, 90}}; // BGR: tomato, blueberry, lime
        java.util.Random random = new java.util.Random(seed);
        try {
            for (int c = 0; c < COLOR_LABELS.length; c++) {
                Path labelDir = Files.createDirectories(dir.resolve(COLOR_LABELS[c]));
                for (int i = 0; i < perLabel; i++) {
                    int w = 240 + random.nextInt(200);
                    int h = 200 + random.nextInt(200);
                    int bg = 225 + random.nextInt(30);
                    org.opencv.core.Mat img = new org.opencv.core.Mat(h, w, org.opencv.core.CvType.CV_8UC3,
                            new org.opencv.core.Scalar(bg, bg, bg));
                    int fruits = 1 + random.nextInt(3);
                    for (int f = 0; f < fruits; f++) {
                        int r = 25 + random.nextInt(40);
                        org.opencv.core.Point centre = new org.opencv.core.Point(r + random.nextInt(w - 2 * r),
                                r + random.nextInt(h - 2 * r));
                        double shade = 0.8 + 0.4 * random.nextDouble();
                        org.opencv.core.Scalar colour = new org.opencv.core.Scalar(colors[c][0] * shade,
                                colors[c][1] * shade, colors[c][2] * shade);
                        org.opencv.imgproc.Imgproc.circle(img, centre, r, colour, -1);
                        org.opencv.imgproc.Imgproc.circle(img, new org.opencv.core.Point(centre.x - r / 3.0,
                                centre.y - r / 3.0), Math.max(2, r / 6), new org.opencv.core.Scalar(245, 245, 245), -1);
                        org.opencv.imgproc.Imgproc.line(img, new org.opencv.core.Point(centre.x, centre.y - r),
                                new org.opencv.core.Point(centre.x + 4, centre.y - r - 10),
                                new org.opencv.core.Scalar(30, 80, 60), 3);
                    }
                    Files.write(labelDir.resolve("img" + i + ".jpg"), io.producttagger.vision.OpenCv.encode(img,
                            ".jpg"));
                    img.release();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static void copy(Path src, Path target) {
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Path dst = target.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code perLabel} photo-like JPEGs of each of {@link #CLASSES} into {@code dir/LABEL/}, taken from
     * the Fashion-MNIST test set starting at its first image of each class.
     */
    public static Path photoSet(Path dir, int perLabel) {
        LabeledImages test = TestSupport.fashionTest();
        try {
            for (int c = 0; c < CLASSES.length; c++) {
                Path labelDir = Files.createDirectories(dir.resolve(LABELS[c]));
                int written = 0;
                for (int i = 0; i < test.size() && written < perLabel; i++) {
                    if (test.labels()[i] == CLASSES[c]) {
                        Files.write(labelDir.resolve("img" + written + ".jpg"), TestSupport.photo(test, i, 112, ".jpg"));
                        written++;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * Tags every photo of {@code dir/LABEL/} through a published version as serving does (decode, the manifest's
     * preprocessing, the batching classifier) and returns {right, total}: how many got their folder's label first.
     */
    public static int[] tagFolders(Path zoo, String model, String version, Path dir, String... labels) {
        // the serving model owns the loaded version and frees it when it closes
        io.producttagger.model.LoadedModel loaded = io.producttagger.model.LoadedModel.load(
                new io.producttagger.model.ModelStore(zoo), model, version);
        try (io.producttagger.model.ServingModel serving = new io.producttagger.model.ServingModel(loaded,
                        new io.producttagger.vision.ImageDecoder(io.producttagger.vision.ImageDecoder.DEFAULT_MAX_PIXELS),
                        new io.producttagger.model.InferencePool.Settings(1, 8, 0, 64),
                        io.producttagger.model.InferencePool.Observer.NONE)) {
            int right = 0;
            int total = 0;
            for (String label : labels) {
                try (Stream<Path> files = Files.list(dir.resolve(label))) {
                    for (Path f : files.sorted().toList()) {
                        right += label.equals(serving.tag(Files.readAllBytes(f), 1, 0).labels().get(0).label()) ? 1 : 0;
                        total++;
                    }
                }
            }
            return new int[] {right, total};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
