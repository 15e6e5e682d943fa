package io.producttagger;

import io.producttagger.model.LabelScore;
import java.util.ArrayList;
import java.util.List;

/**
 * What "the same answer" means between two ways of tagging one image with one version (README, "Same bytes, same
 * scores"): the same labels in the same order, each score within {@link #BOUND} of the other's; two labels may
 * only trade places where their scores are within {@link #BOUND} of each other (a tie at this precision).
 *
 * <p>The bound: inference of the same image at different batch sizes differed by at most 5.4e-7 on a
 * probability (fashion, batch 1 to 16), and each side is rounded to six decimals (5e-7 each).
 */
public final class ScoreAgreement {

    /** Largest difference of one label's reported score between two paths. */
    public static final double BOUND = 2e-6;

    private ScoreAgreement() {}

    /**
     * Returns how {@code other} disagrees with {@code reference} for the image {@code id}, empty when it does not.
     */
    public static List<String> disagreements(String id, List<LabelScore> reference, List<LabelScore> other) {
        List<String> found = new ArrayList<>();
        if (reference.size() != other.size()) {
            found.add(id + ": " + other.size() + " labels, expected " + reference.size());
            return found;
        }
        for (int i = 0; i < reference.size(); i++) {
            LabelScore want = reference.get(i);
            LabelScore got = other.get(i);
            double gap = Math.abs(want.score() - got.score());
            boolean sameLabel = want.label().equals(got.label());
            if (!sameLabel && gap > BOUND) {
                found.add(id + ": rank " + (i + 1) + " is " + got + ", expected " + want);
            } else if (sameLabel && gap > BOUND) {
                found.add(id + ": " + want.label() + " scored " + got.score() + ", expected " + want.score()
                        + " (beyond " + BOUND + ")");
            }
        }
        return found;
    }
}
