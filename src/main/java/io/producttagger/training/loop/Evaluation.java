package io.producttagger.training.loop;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Classification quality on a labelled set: top-1, top-3, per-label precision/recall/F1 and accuracy, the
 * confusion matrix (rows: true label, columns: predicted) and the most confused pairs.
 *
 * @param labels label names
 * @param count images evaluated
 * @param top1 fraction whose best prediction is right
 * @param top3 fraction whose right label is among the three best
 * @param confusion counts, {@code confusion[truth][predicted]}
 */
public record Evaluation(List<String> labels, int count, double top1, double top3, int[][] confusion) {

    /** Accumulates predictions into an {@link Evaluation}. */
    public static final class Accumulator {
        private final List<String> labels;
        private final int[][] confusion;
        private int count;
        private int top3Hits;

        /** Creates an empty accumulator for the given labels. */
        public Accumulator(List<String> labels) {
            this.labels = List.copyOf(labels);
            this.confusion = new int[labels.size()][labels.size()];
        }

        /**
         * Adds one prediction.
         *
         * @param truth the right label index
         * @param scores one score per label (any monotone scale)
         * @param offset where the image's scores start in {@code scores}
         */
        public void add(int truth, float[] scores, int offset) {
            int n = labels.size();
            int best = 0;
            for (int i = 1; i < n; i++) {
                if (scores[offset + i] > scores[offset + best]) {
                    best = i;
                }
            }
            int higher = 0;
            for (int i = 0; i < n; i++) {
                if (scores[offset + i] > scores[offset + truth]) {
                    higher++;
                }
            }
            if (higher < 3) {
                top3Hits++;
            }
            confusion[truth][best]++;
            count++;
        }

        /** Returns the evaluation so far. */
        public Evaluation result() {
            int right = 0;
            for (int i = 0; i < confusion.length; i++) {
                right += confusion[i][i];
            }
            int[][] copy = new int[confusion.length][];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = confusion[i].clone();
            }
            return new Evaluation(labels, count, count == 0 ? 0 : (double) right / count,
                    count == 0 ? 0 : (double) top3Hits / count, copy);
        }
    }

    /**
     * Per-label figures.
     *
     * @param label the label
     * @param support images whose true label it is
     * @param precision right predictions of it over all predictions of it
     * @param recall right predictions of it over its support (its accuracy)
     * @param f1 harmonic mean of precision and recall
     */
    public record LabelStats(String label, int support, double precision, double recall, double f1) {}

    /**
     * A pair of labels the model mixes up.
     *
     * @param truth the right label
     * @param predicted what the model said
     * @param count how often
     */
    public record Confusion(String truth, String predicted, int count) {}

    /** Returns precision, recall and F1 per label. */
    public List<LabelStats> perLabel() {
        List<LabelStats> out = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            int support = 0;
            int predicted = 0;
            for (int j = 0; j < labels.size(); j++) {
                support += confusion[i][j];
                predicted += confusion[j][i];
            }
            int tp = confusion[i][i];
            double p = predicted == 0 ? 0 : (double) tp / predicted;
            double r = support == 0 ? 0 : (double) tp / support;
            double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
            out.add(new LabelStats(labels.get(i), support, p, r, f1));
        }
        return out;
    }

    /** Returns the {@code n} most frequent off-diagonal confusions, most frequent first. */
    public List<Confusion> mostConfused(int n) {
        List<Confusion> all = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            for (int j = 0; j < labels.size(); j++) {
                if (i != j && confusion[i][j] > 0) {
                    all.add(new Confusion(labels.get(i), labels.get(j), confusion[i][j]));
                }
            }
        }
        all.sort(Comparator.comparingInt(Confusion::count).reversed());
        return all.subList(0, Math.min(n, all.size()));
    }

    /** Returns the figures as plain maps and lists, for a manifest or a JSON report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", count);
        m.put("top1", round(top1));
        m.put("top3", round(top3));
        Map<String, Object> per = new LinkedHashMap<>();
        for (LabelStats s : perLabel()) {
            per.put(s.label(), Map.of("support", s.support(), "precision", round(s.precision()),
                    "recall", round(s.recall()), "f1", round(s.f1())));
        }
        m.put("perLabel", per);
        List<List<Integer>> rows = new ArrayList<>();
        for (int[] row : confusion) {
            rows.add(java.util.Arrays.stream(row).boxed().toList());
        }
        m.put("confusionMatrix", rows);
        m.put("mostConfused", mostConfused(5).stream()
                .map(c -> Map.of("truth", c.truth(), "predicted", c.predicted(), "count", c.count())).toList());
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
