package io.producttagger.catalog;

import java.nio.file.Path;
import java.util.Map;

/**
 * One image of a catalog, as its source describes it.
 *
 * @param id the row's identity in the output, unique within a catalog; resume skips ids already written
 * @param path the image's path as the input names it (the manifest's text, or the folder joined with the
 *     relative path)
 * @param file where the image is read from
 * @param extra the manifest's other columns, carried through to the output in their order
 * @param problem why the row cannot be tagged (e.g. a manifest row without a path), or null
 */
public record CatalogItem(String id, String path, Path file, Map<String, String> extra, String problem) {

    /** Copies the extra columns. */
    public CatalogItem {
        extra = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extra));
    }

    /** Creates an item that can be tagged. */
    public static CatalogItem of(String id, String path, Path file, Map<String, String> extra) {
        return new CatalogItem(id, path, file, extra, null);
    }
}
