package io.producttagger.catalog;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Reads image files for the taggers, turning a file's problems into a per-image failure. */
final class ImageFiles {

    private final long maxBytes;

    /**
     * Creates a reader.
     *
     * @param maxBytes largest file read (the same limit the server puts on a request body)
     */
    ImageFiles(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Reads one item's bytes.
     *
     * @throws CatalogException.ImageFailed when the item has a problem, or the file is missing, unreadable or
     *     too large
     */
    byte[] read(CatalogItem item) {
        if (item.problem() != null) {
            throw new CatalogException.ImageFailed(item.problem());
        }
        Path file = item.file();
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new CatalogException.ImageFailed("file is " + size + " bytes; the limit is " + maxBytes
                        + " (server.max-body-bytes, TAGGER_SERVER_MAX_BODY_BYTES)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CatalogException.ImageFailed("file not found: " + file);
        } catch (AccessDeniedException e) {
            throw new CatalogException.ImageFailed("permission denied: " + file);
        } catch (IOException e) {
            throw new CatalogException.ImageFailed("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates the fixed pool of named daemon threads that read and decode. */
    static ExecutorService pool(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory f = r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(threads, f);
    }
}
