package io.producttagger.catalog;

import io.producttagger.model.LabelScore;
import java.util.List;

/**
 * One output row: an item and its labels, or the reason it could not be tagged.
 *
 * @param item the input item
 * @param labels the best labels, best first (empty on error)
 * @param model the model's name, or empty when unknown
 * @param version the model's version, or empty when unknown
 * @param error why the image could not be tagged, or null
 */
public record CatalogRow(CatalogItem item, List<LabelScore> labels, String model, String version, String error) {

    /** Copies the labels. */
    public CatalogRow {
        labels = List.copyOf(labels);
        model = model == null ? "" : model;
        version = version == null ? "" : version;
    }

    /** Creates the row of a tagged image. */
    public static CatalogRow tagged(CatalogItem item, Tagging tagging) {
        return new CatalogRow(item, tagging.labels(), tagging.model(), tagging.version(), null);
    }

    /** Creates the row of an image that failed. */
    public static CatalogRow failed(CatalogItem item, String error) {
        return new CatalogRow(item, List.of(), "", "", error);
    }

    /** Returns whether the image failed. */
    public boolean isFailure() {
        return error != null;
    }
}
