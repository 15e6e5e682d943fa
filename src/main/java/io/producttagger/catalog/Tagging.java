package io.producttagger.catalog;

import io.producttagger.model.LabelScore;
import java.util.List;

/**
 * The tags of one catalog image and the model that chose them.
 *
 * @param labels the best labels, best first
 * @param model the model's name
 * @param version the model's version
 */
public record Tagging(List<LabelScore> labels, String model, String version) {

    /** Copies the labels. */
    public Tagging {
        labels = List.copyOf(labels);
    }
}
