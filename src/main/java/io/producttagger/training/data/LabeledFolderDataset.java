package io.producttagger.training.data;

import io.producttagger.training.TrainingException;

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
 * A data set given as a folder of label folders ({@code LABEL/IMAGE.jpg}) or a CSV manifest of
 * {@code path,label} lines, read through the same {@link ImagePipeline} serving uses so training and serving
 * cannot drift.
 *
 * <p>Nothing outside the data set is read: a label folder that is a symbolic link is refused, image files that
 * are links are left out, a manifest may not name a path outside its folder or a file that does not exist, and
 * each file is read only if its real path is still inside the folder when it is read.
 *
 * @param folder the data set folder (for a manifest, the folder its paths are relative to)
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
     * Opens a data set without decoding it: a folder of label folders, or a {@code .csv} manifest.
     *
     * @see #scan
     * @see #scanManifest
     */
    public static LabeledFolderDataset open(Path dataset, List<String> preferredOrder) {
        if (Files.isRegularFile(dataset) && dataset.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return scanManifest(dataset, preferredOrder);
        }
        return scan(dataset, preferredOrder);
    }

    /**
     * Reads a CSV manifest of {@code path,label} lines (an optional {@code path,label} header; paths relative to
     * the manifest's folder, which they may not leave).
     *
     * @throws TrainingException.Invalid naming the first bad line
     */
    public static LabeledFolderDataset scanManifest(Path csv, List<String> preferredOrder) {
        Path folder = csv.toAbsolutePath().normalize().getParent();
        DataRoot root = new DataRoot(folder);
        Map<String, List<Path>> byLabel = new java.util.TreeMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(csv);
        } catch (IOException e) {
            throw new TrainingException.Invalid("cannot read the manifest " + csv + ": " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || (i == 0 && line.equalsIgnoreCase("path,label"))) {
                continue;
            }
            int comma = line.lastIndexOf(',');
            if (comma <= 0 || comma == line.length() - 1) {
                throw new TrainingException.Invalid("line " + (i + 1) + " of " + csv.getFileName()
                        + " is not 'path,label': " + line);
            }
            String label = line.substring(comma + 1).strip();
            Path file;
            try {
                file = root.resolve(line.substring(0, comma).strip());
            } catch (TrainingException.Invalid e) {
                throw new TrainingException.Invalid("line " + (i + 1) + " of " + csv.getFileName() + ": "
                        + e.getMessage());
            }
            if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // checked now, so a typo is a 422 before the job is queued rather than a failure during training
                throw new TrainingException.Invalid("line " + (i + 1) + " of " + csv.getFileName() + ": '"
                        + line.substring(0, comma).strip() + "' " + (Files.exists(file,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "is not a regular file (links are not followed)"
                        : "does not exist") + " in " + folder);
            }
            byLabel.computeIfAbsent(label, k -> new ArrayList<>()).add(file);
        }
        return ordered(csv, byLabel, preferredOrder);
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
                if (Files.isSymbolicLink(dir)) {
                    // a linked label folder could lead anywhere, outside the data root too: never followed
                    throw new TrainingException.Invalid("the label folder '" + label + "' in " + folder + " is a "
                            + "symbolic link; links in a data set are not followed: copy the images in instead");
                }
                try (Stream<Path> images = Files.list(dir)) {
                    byLabel.put(label, images.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && EXTENSIONS.contains(extension(p))).sorted().toList());
                }
            }
        } catch (IOException e) {
            throw new TrainingException.Invalid("cannot read the data set folder " + folder + ": " + e.getMessage());
        }
        return ordered(folder, byLabel, preferredOrder);
    }

    private static LabeledFolderDataset ordered(Path source, Map<String, List<Path>> byLabel,
            List<String> preferredOrder) {
        if (byLabel.size() < 2) {
            throw new TrainingException.Invalid("the data set " + source + " has " + byLabel.size()
                    + " label(s); it needs at least two (LABEL/IMAGE.jpg, or path,label lines)");
        }
        Path folder = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
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
        Map<String, Integer> counts = new LinkedHashMap<>();
        files.forEach((label, list) -> counts.put(label, list.size()));
        requireAtLeast(counts, min, "in " + folder);
    }

    /**
     * Throws unless every label count is at least {@code min}.
     *
     * @param where what the counts are of, for the message
     * @throws TrainingException.Invalid naming each label that has too few
     */
    public static void requireAtLeast(Map<String, Integer> counts, int min, String where) {
        List<String> tooFew = new ArrayList<>();
        counts.forEach((label, n) -> {
            if (n < min) {
                tooFew.add("'" + label + "' has " + n);
            }
        });
        if (!tooFew.isEmpty()) {
            throw new TrainingException.Invalid("every label needs at least " + min + " images "
                    + "(finetune.min-images-per-label); " + String.join(", ", tooFew) + " " + where);
        }
    }

    /**
     * Decodes every image through the pipeline, skipping (and listing) those that cannot be read. Decoding runs on
     * every core (the pipeline is thread-safe; photos and large PNGs make it the slow part of a fine-tune), and the
     * result keeps the data set's order.
     *
     * @param cancelled polled between images
     * @throws TrainingException when cancelled
     */
    public Loaded load(ImagePipeline pipeline, int width, int height, int channels,
            java.util.function.BooleanSupplier cancelled) {
        int per = width * height * channels;
        List<Path> all = new ArrayList<>();
        List<Integer> labelOf = new ArrayList<>();
        int index = 0;
        for (List<Path> list : files.values()) {
            for (Path file : list) {
                all.add(file);
                labelOf.add(index);
            }
            index++;
        }
        List<Object> decoded = java.util.stream.IntStream.range(0, all.size()).parallel()
                .mapToObj(i -> cancelled.getAsBoolean() ? null : decode(pipeline, all.get(i), per)).toList();
        if (cancelled.getAsBoolean()) {
            throw new TrainingException("cancelled while reading the images; nothing was published");
        }
        java.io.ByteArrayOutputStream pixels = new java.io.ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (decoded.get(i) instanceof byte[] px) {
                pixels.writeBytes(px);
                labels.add(labelOf.get(i));
            } else {
                skipped.add((Skipped) decoded.get(i));
            }
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new Loaded(new LabeledImages(width, height, channels, pixels.toByteArray(), l, labels()),
                List.copyOf(skipped));
    }

    /** Returns the image's pixels at input size, or why it was skipped. */
    private Object decode(ImagePipeline pipeline, Path file, int per) {
        return read(file, bytes -> {
            byte[] px = pipeline.pixels(bytes);
            if (px.length != per) {
                throw new VisionException("preprocessing gave " + px.length + " bytes, not " + per);
            }
            return px;
        });
    }

    /**
     * Reads one image of the data set (inside its folder, see {@link #readInside}) and turns its bytes into what
     * the caller needs, or returns the {@link Skipped} that says why it could not be read or decoded.
     *
     * @param file one of {@link #files}
     * @param decode e.g. the pipeline's pixels or tensor
     */
    public Object read(Path file, java.util.function.Function<byte[], ?> decode) {
        String rel = folder.relativize(file).toString();
        try {
            return decode.apply(readInside(file));
        } catch (VisionException e) {
            return new Skipped(rel, e.getMessage());
        } catch (IOException e) {
            return new Skipped(rel, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            return new Skipped(rel, "cannot decode: " + e);
        }
    }

    /**
     * Reads a file of the data set, refusing one whose real path has left the data set folder since it was
     * listed (a folder swapped for a link) and, with {@code O_NOFOLLOW}, one that is itself a link.
     */
    private byte[] readInside(Path file) throws IOException {
        if (!file.toRealPath().startsWith(folder.toRealPath())) {
            throw new IOException("it leads outside the data set folder through a symbolic link; not read");
        }
        try (var channel = Files.newByteChannel(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.LinkOption.NOFOLLOW_LINKS); var in = java.nio.channels.Channels.newInputStream(channel)) {
            return in.readAllBytes();
        }
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
