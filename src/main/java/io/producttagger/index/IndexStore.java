package io.producttagger.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The vector indexes under {@code index.dir}, one folder per name; opens each once and keeps it open for searches
 * until {@link #close()}.
 */
public final class IndexStore implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final Path root;
    private final int mergeThreads;
    private final Map<String, VectorIndex> open = new HashMap<>();

    /**
     * Creates the store over {@code root} ({@code index.dir}); nothing is read or created yet.
     *
     * @param mergeThreads threads that merge an index's graphs when a build finishes ({@code index.merge-threads})
     */
    public IndexStore(Path root, int mergeThreads) {
        if (mergeThreads < 1) {
            throw new IllegalArgumentException("merge threads must be >= 1, got " + mergeThreads);
        }
        this.root = root;
        this.mergeThreads = mergeThreads;
    }

    /** Returns the folder of the indexes. */
    public Path root() {
        return root;
    }

    /**
     * Checks an index name.
     *
     * @throws IndexException.InvalidName when it is not valid
     */
    public void checkName(String name) {
        checked(name);
    }

    private static String checked(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IndexException.InvalidName("index name '" + name + "' is not valid: use 1 to 64 lower-case "
                    + "letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }

    /** Returns the index {@code name} for searching, opening it on first use. */
    public synchronized VectorIndex open(String name) {
        VectorIndex index = open.get(checked(name));
        if (index == null) {
            index = VectorIndex.open(name, root.resolve(name), mergeThreads);
            open.put(name, index);
        }
        return index;
    }

    /**
     * Opens the index {@code name} for building, creating it for {@code meta} when it does not exist; the caller
     * closes it (a build runs in its own process, apart from a server's searches).
     */
    public VectorIndex openForBuild(String name, VectorIndex.Meta meta) {
        return VectorIndex.openOrCreate(checked(name), root.resolve(name), meta, mergeThreads);
    }

    /**
     * What an index holds, as the admin API lists it.
     *
     * @param name the index's name
     * @param meta the model version and dimension that made it
     * @param count committed items
     * @param sizeBytes bytes on disk
     * @param created when it was created (its {@code index.json} was written)
     */
    public record Summary(String name, VectorIndex.Meta meta, int count, long sizeBytes, Instant created) {}

    /** Returns every index under the root, by name. */
    public synchronized List<Summary> list() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Summary> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (!NAME.matcher(name).matches() || !Files.exists(dir.resolve(VectorIndex.META))) {
                    continue;
                }
                VectorIndex index = open(name);
                out.add(new Summary(name, index.meta(), index.size(), size(dir),
                        Files.getLastModifiedTime(dir.resolve(VectorIndex.META)).toInstant()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the indexes in " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Deletes the index {@code name}: closes it for searching and removes its folder.
     *
     * @throws IndexException.UnknownIndex when there is none
     */
    public synchronized void delete(String name) {
        Path dir = root.resolve(checked(name));
        if (!Files.exists(dir.resolve(VectorIndex.META))) {
            throw new IndexException.UnknownIndex("there is no index '" + name + "' (in " + root + ", index.dir)");
        }
        VectorIndex index = open.remove(name);
        if (index != null) {
            index.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete index '" + name + "': " + e.getMessage(), e);
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** Closes every index opened for searching. */
    @Override
    public synchronized void close() {
        open.values().forEach(VectorIndex::close);
        open.clear();
    }
}
