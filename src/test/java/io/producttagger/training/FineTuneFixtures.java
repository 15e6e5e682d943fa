package io.producttagger.training;

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

    /** Copies the committed {@code model-zoo/fashion} into {@code zoo}. */
    public static Path zooWithFashion(Path zoo) {
        Path src = TestSupport.MODEL_ZOO.resolve("fashion");
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Path dst = zoo.resolve("fashion").resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zoo;
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
}
