package io.producttagger.training.data;

import io.producttagger.training.TrainingException;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The folder fine-tune data sets must live under; resolves client-given relative paths and refuses any that
 * would leave it (absolute paths, {@code ..}, symbolic links pointing out).
 */
public final class DataRoot {

    private final Path root;

    /** Creates the root; it need not exist yet. */
    public DataRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Returns the root folder. */
    public Path root() {
        return root;
    }

    /**
     * Resolves a relative path under the root.
     *
     * @throws TrainingException.Invalid when the path is absolute, contains {@code ..}, or ends up outside
     */
    public Path resolve(String relative) {
        if (relative == null || relative.isBlank()) {
            throw new TrainingException.Invalid("the data set path is empty; give a folder relative to the data "
                    + "root (finetune.data-root)");
        }
        Path p;
        try {
            p = Path.of(relative);
        } catch (InvalidPathException e) {
            throw new TrainingException.Invalid("the data set path '" + relative + "' is not a valid path");
        }
        if (p.isAbsolute() || relative.startsWith("/") || relative.startsWith("\\")) {
            throw new TrainingException.Invalid("the data set path '" + relative + "' is absolute; give a path "
                    + "relative to the data root (finetune.data-root)");
        }
        for (Path part : p) {
            if (part.toString().equals("..")) {
                throw new TrainingException.Invalid("the data set path '" + relative + "' contains '..'; it must "
                        + "stay inside the data root (finetune.data-root)");
            }
        }
        Path resolved = root.resolve(p).normalize();
        if (!resolved.startsWith(root)) {
            throw new TrainingException.Invalid("the data set path '" + relative + "' leaves the data root");
        }
        try {
            if (Files.exists(resolved) && !resolved.toRealPath().startsWith(root.toRealPath())) {
                throw new TrainingException.Invalid("the data set path '" + relative + "' leads outside the data "
                        + "root through a symbolic link");
            }
        } catch (java.io.IOException e) {
            throw new TrainingException.Invalid("cannot read the data set path '" + relative + "': "
                    + e.getMessage());
        }
        return resolved;
    }
}
