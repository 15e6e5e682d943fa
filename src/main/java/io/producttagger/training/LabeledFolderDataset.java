package io.producttagger.training;

import io.producttagger.vision.ImagePipeline;
import io.producttagger.vision.VisionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A data set given as a folder of label folders ({@code LABEL/IMAGE.jpg}), read through the same
 * {@link ImagePipeline} serving uses so training and serving cannot drift.
 *
 * @param folder the data set folder
 * @param files the image files of each label, labels in their training order
 */
public record LabeledFolderDataset(Path folder, Map<String, List<Path>> files) {

    /** File name endings read as images; anything else in a label folder is ignored. */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff");

    /**
     * An image that could not be read and was left out.
     *
     * @param file the path relative to the data set folder
     * @param reason why
     */
    public record Skipped(String file, String reason) {}

    /**
     * The decoded images.
     *
     * @param images pixels at input size with their labels
     * @param skipped the images left out
     */
    public record Loaded(LabeledImages images, List<Skipped> skipped) {}

    /** Copies the file lists. */
    public LabeledFolderDataset {
        Map<String, List<Path>> copy = new LinkedHashMap<>();
        files.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        files = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * Lists a folder's label folders and their images without decoding them.
     *
     * @param preferredOrder labels in the order a base model has them; used when the folder holds exactly
     *     that set, so the base's head can be kept; otherwise labels are sorted by name
     * @throws TrainingException.Invalid when the folder is missing or holds fewer than two label folders
     */
    public static LabeledFolderDataset scan(Path folder, List<String> preferredOrder) {
        if (!Files.isDirectory(folder)) {
            throw new TrainingException.Invalid("the data set folder " + folder + " does not exist");
        }
        Map<String, List<Path>> byLabel = new java.util.TreeMap<>();
        try (Stream<Path> dirs = Files.list(folder)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                String label = dir.getFileName().toString();
                if (label.startsWith(".")) {
                    continue;
                }
                try (Stream<Path> images = Files.list(dir)) {
                    byLabel.put(label, images.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && EXTENSIONS.contains(extension(p))).sorted().toList());
                }
            }
        } catch (IOException e) {
            throw new TrainingException.Invalid("cannot read the data set folder " + folder + ": " + e.getMessage());
        }
        if (byLabel.size() < 2) {
            throw new TrainingException.Invalid("the data set folder " + folder + " has " + byLabel.size()
                    + " label folder(s); it needs at least two (LABEL/IMAGE.jpg)");
        }
        Map<String, List<Path>> ordered = new LinkedHashMap<>();
        if (preferredOrder != null && Set.copyOf(preferredOrder).equals(byLabel.keySet())) {
            preferredOrder.forEach(l -> ordered.put(l, byLabel.get(l)));
        } else {
            ordered.putAll(byLabel);
        }
        return new LabeledFolderDataset(folder, ordered);
    }

    /** Returns the labels in training order. */
    public List<String> labels() {
        return List.copyOf(files.keySet());
    }

    /**
     * Throws unless every label has at least {@code min} images.
     *
     * @throws TrainingException.Invalid naming each label that has too few
     */
    public void requireAtLeast(int min) {
        List<String> short_ = new ArrayList<>();
        files.forEach((label, list) -> {
            if (list.size() < min) {
                short_.add("'" + label + "' has " + list.size());
            }
        });
        if (!short_.isEmpty()) {
            throw new TrainingException.Invalid("every label needs at least " + min + " images "
                    + "(finetune.min-images-per-label); " + String.join(", ", short_) + " in " + folder);
        }
    }

    /** Decodes every image through the pipeline, skipping (and listing) those that cannot be read. */
    public Loaded load(ImagePipeline pipeline, int width, int height, int channels) {
        int per = width * height * channels;
        java.io.ByteArrayOutputStream pixels = new java.io.ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        int index = 0;
        for (List<Path> list : files.values()) {
            for (Path file : list) {
                String rel = folder.relativize(file).toString();
                try {
                    byte[] px = pipeline.pixels(Files.readAllBytes(file));
                    if (px.length != per) {
                        throw new VisionException("preprocessing gave " + px.length + " bytes, not " + per);
                    }
                    pixels.writeBytes(px);
                    labels.add(index);
                } catch (VisionException e) {
                    skipped.add(new Skipped(rel, e.getMessage()));
                } catch (IOException e) {
                    skipped.add(new Skipped(rel, "cannot read: " + e.getMessage()));
                } catch (RuntimeException e) {
                    skipped.add(new Skipped(rel, "cannot decode: " + e));
                }
            }
            index++;
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new Loaded(new LabeledImages(width, height, channels, pixels.toByteArray(), l, labels()),
                List.copyOf(skipped));
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
