package io.producttagger.training.data;

import io.producttagger.training.TrainingException;

import io.producttagger.vision.Normalization;
import io.producttagger.vision.PreprocessingStep;
import io.producttagger.vision.Preprocessor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT, Zalando SE): 70,000 28x28 grayscale product images in
 * ten categories, as the Debian package {@code dataset-fashion-mnist} installs them.
 */
public final class FashionMnist {

    /** Where the Debian package installs the IDX files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The ten categories, in label-index order. */
    public static final List<String> LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Side of the square images. */
    public static final int SIDE = 28;

    /** Mean and standard deviation of the training pixels scaled to [0, 1]. */
    public static final Normalization NORMALIZATION = new Normalization(new float[] {0.2860f},
            new float[] {0.3530f});

    private FashionMnist() {}

    /**
     * The steps that made Fashion-MNIST from Zalando's product photos (section 2 of the paper), so a photo
     * goes through them to reach the model's domain: trim the border close to the corner color, resize the
     * longest edge to 28, sharpen, pad to a centred square, negate, convert to grayscale, then normalise.
     */
    public static List<PreprocessingStep> preprocessing() {
        return List.of(
                PreprocessingStep.of(Preprocessor.TRIM_BORDER, Map.of("tolerance", 24)),
                PreprocessingStep.of(Preprocessor.RESIZE_LONGEST, Map.of("size", SIDE)),
                PreprocessingStep.of(Preprocessor.SHARPEN, Map.of("sigma", 1.0, "amount", 0.5)),
                PreprocessingStep.of(Preprocessor.PAD_SQUARE, Map.of("size", SIDE)),
                PreprocessingStep.of(Preprocessor.NEGATE),
                PreprocessingStep.of(Preprocessor.GRAYSCALE),
                NORMALIZATION.toStep());
    }

    /** Reads the 60,000 training images from a folder holding the IDX files. */
    public static LabeledImages train(Path dir) {
        return new IdxReader().read(find(dir, "train-images-idx3-ubyte"), find(dir, "train-labels-idx1-ubyte"),
                LABELS);
    }

    /** Reads the 10,000 test images from a folder holding the IDX files. */
    public static LabeledImages test(Path dir) {
        return new IdxReader().read(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"),
                LABELS);
    }

    /** Returns whether {@code dir} holds the training IDX files ({@code train-images-idx3-ubyte}, gzipped or not). */
    public static boolean holdsTrainingSet(Path dir) {
        return locate(dir, "train-images-idx3-ubyte") != null;
    }

    /** Returns whether {@code dir} holds the test IDX files ({@code t10k-images-idx3-ubyte}, gzipped or not). */
    public static boolean holdsTestSet(Path dir) {
        return locate(dir, "t10k-images-idx3-ubyte") != null;
    }

    /** Returns {@code dir/base.gz} or {@code dir/base}, whichever is a file, or null. */
    private static Path locate(Path dir, String base) {
        for (Path p : new Path[] {dir.resolve(base + ".gz"), dir.resolve(base)}) {
            if (java.nio.file.Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static Path find(Path dir, String base) {
        Path found = locate(dir, base);
        if (found != null) {
            return found;
        }
        throw new TrainingException("Fashion-MNIST file " + base + "(.gz) not found in " + dir
                + "; install it with 'apt-get install dataset-fashion-mnist' or pass --data");
    }
}
