package io.producttagger.index;

import java.nio.file.Path;
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
    private final Map<String, VectorIndex> open = new HashMap<>();

    /** Creates the store over {@code root} ({@code index.dir}); nothing is read or created yet. */
    public IndexStore(Path root) {
        this.root = root;
    }

    /** Returns the folder of the indexes. */
    public Path root() {
        return root;
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
            index = VectorIndex.open(name, root.resolve(name));
            open.put(name, index);
        }
        return index;
    }

    /**
     * Opens the index {@code name} for building, creating it for {@code meta} when it does not exist; the caller
     * closes it (a build runs in its own process, apart from a server's searches).
     */
    public VectorIndex openForBuild(String name, VectorIndex.Meta meta) {
        return VectorIndex.openOrCreate(checked(name), root.resolve(name), meta);
    }

    /** Closes every index opened for searching. */
    @Override
    public synchronized void close() {
        open.values().forEach(VectorIndex::close);
        open.clear();
    }
}
