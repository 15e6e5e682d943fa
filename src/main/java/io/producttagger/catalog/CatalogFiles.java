package io.producttagger.catalog;

import java.io.IOException;
import java.nio.file.Files;

/** Reads a catalog item's file for the commands that embed a catalog ({@code index}, {@code dedupe}, index builds). */
public final class CatalogFiles {

    private CatalogFiles() {}

    /**
     * Returns the item's bytes.
     *
     * @throws IOException when the item has a problem (its manifest row), is larger than {@code maxBytes}
     *     ({@code server.max-body-bytes}), or cannot be read
     */
    public static byte[] read(CatalogItem item, long maxBytes) throws IOException {
        if (item.problem() != null) {
            throw new IOException(item.problem());
        }
        long size = Files.size(item.file());
        if (size > maxBytes) {
            throw new IOException("the file is " + size + " bytes; the limit is " + maxBytes
                    + " (server.max-body-bytes)");
        }
        return Files.readAllBytes(item.file());
    }
}
