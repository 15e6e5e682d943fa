package io.producttagger.model;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Replaces small files whole: the new content is written to a hidden temporary file in the same folder, then
 * renamed over the target, so a reader (or a process restarted after a crash) sees the old file or the new one,
 * never a part of either.
 */
public final class AtomicFiles {

    /** Writes the new content into the temporary file it is given. */
    @FunctionalInterface
    public interface Writer {
        /** Writes the content to {@code tmp}. */
        void write(Path tmp) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Replaces (or creates) {@code target} with what {@code writer} writes; the temporary file is removed if
     * writing fails. The rename is atomic where the file system supports it.
     */
    public static void replace(Path target, Writer writer) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + "-", ".tmp");
        try {
            writer.write(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }
}
