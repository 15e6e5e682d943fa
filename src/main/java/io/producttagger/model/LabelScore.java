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
     * Decimal places of every reported score, on every path. Inference at different batch sizes differs in the
     * last bits (measured at most 5.4e-7 on a probability), so more places would only show which batch an
     * image happened to share; fewer would hide real differences.
     */
    public static final int SCORE_DECIMALS = 6;

    private static final double SCALE = Math.pow(10, SCORE_DECIMALS);

    /** Returns a probability as every path reports it: rounded to {@value #SCORE_DECIMALS} decimal places. */
    public static double reported(double probability) {
        return Math.round(probability * SCALE) / SCALE;
    }

    /**
     * Returns the {@code k} best labels with a probability of at least {@code threshold}, best first: the one
     * ranking every way of tagging uses, so the server, the CLI and the Spark job report the same labels. Scores
     * are {@link #reported rounded} first; equal ones keep the model's label order.
     *
     * @param labels the model's labels, in output order
     * @param probabilities one probability per label
     */
    public static List<LabelScore> top(List<String> labels, float[] probabilities, int k, double threshold) {
        List<LabelScore> all = new ArrayList<>(labels.size());
        for (int i = 0; i < probabilities.length; i++) {
            double score = reported(probabilities[i]);
            if (score >= threshold) {
                all.add(new LabelScore(labels.get(i), score));
            }
        }
        all.sort(Comparator.comparingDouble(LabelScore::score).reversed()); // stable: ties keep label order
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }
}
