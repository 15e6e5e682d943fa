package io.producttagger.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One category and the model's probability for it.
 *
 * @param label the category
 * @param score the softmax probability, 0..1
 */
public record LabelScore(String label, double score) {

    /**
     * Returns the {@code k} best labels with a probability of at least {@code threshold}, best first: the one
     * ranking every way of tagging uses, so the server, the CLI and the Spark job report the same labels.
     *
     * @param labels the model's labels, in output order
     * @param probabilities one probability per label
     */
    public static List<LabelScore> top(List<String> labels, float[] probabilities, int k, double threshold) {
        List<LabelScore> all = new ArrayList<>(labels.size());
        for (int i = 0; i < probabilities.length; i++) {
            if (probabilities[i] >= threshold) {
                all.add(new LabelScore(labels.get(i), probabilities[i]));
            }
        }
        all.sort(Comparator.comparingDouble(LabelScore::score).reversed());
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }
}
