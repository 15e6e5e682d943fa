package io.producttagger.index;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures duplicate detection and similar search on a labelled set (as {@code training.data.NearDuplicateSet}
 * writes): which items copy which original, and by which transform. Duplicate pairs are scored twice: as pairs
 * whose similarity reaches the threshold, and as pairs that land in one {@link DuplicateGroups} group (what
 * {@code dedupe} writes, where chaining can join distinct products). Similar search puts the originals and the
 * distinct products in a real index and asks it for each copy's nearest items: recall@k is the share of copies
 * whose original is among the first k.
 */
public final class NearDuplicateEvaluation {

    /**
     * One labelled, embedded item.
     *
     * @param id the item's id
     * @param original the id of the original it copies (its own id when it is an original or a distinct product)
     * @param transform what made the copy ({@code original} or {@code distinct} for the others)
     * @param vector its unit-length duplicate descriptor, compared for duplicate pairs
     * @param embedding its unit-length embedding, indexed and searched for similar products
     */
    public record Sample(String id, String original, String transform, float[] vector, float[] embedding) {
        /** An item whose duplicate descriptor and embedding are one vector. */
        public Sample(String id, String original, String transform, float[] vector) {
            this(id, original, transform, vector, vector);
        }

        /** Returns whether this item copies another. */
        public boolean isCopy() {
            return !original.equals(id);
        }
    }

    /**
     * Precision and recall of duplicate pairs at one threshold.
     *
     * @param threshold the lowest cosine similarity called a duplicate
     * @param pairPrecision of pairs at or above the threshold, the share that are true duplicates
     * @param pairRecall of true duplicate pairs, the share at or above the threshold
     * @param groupPrecision of pairs in one group, the share that are true duplicates
     * @param groupRecall of true duplicate pairs, the share in one group
     */
    public record Point(double threshold, double pairPrecision, double pairRecall, double groupPrecision,
            double groupRecall) {}

    /**
     * The figures of one transform at the chosen threshold.
     *
     * @param transform the transform
     * @param copies how many copies it made
     * @param meanSimilarity mean cosine similarity of a copy to its original
     * @param minSimilarity the lowest
     * @param pairRecall share of copies whose similarity to their original reaches the threshold
     * @param groupRecall share of copies grouped with their original
     * @param recallAt1 share of copies whose nearest indexed item is their original
     * @param recallAt10 share of copies whose original is among their 10 nearest
     */
    public record PerTransform(String transform, int copies, double meanSimilarity, double minSimilarity,
            double pairRecall, double groupRecall, double recallAt1, double recallAt10) {}

    /**
     * The whole measurement.
     *
     * @param samples how many items
     * @param products how many distinct products (originals and distractors)
     * @param threshold the chosen threshold
     * @param atThreshold the duplicate figures at it
     * @param sweep the duplicate figures over a range of thresholds
     * @param transforms the per-transform figures at it
     * @param all the per-transform figures over every copy
     * @param highestDistinct the highest similarity of two different products
     * @param closestDistinct the most similar pairs of different products' originals, most similar first, as
     *     {@code id id similarity}: where a threshold's false duplicates come from
     */
    public record Report(int samples, int products, double threshold, Point atThreshold, List<Point> sweep,
            List<PerTransform> transforms, PerTransform all, double highestDistinct, List<String> closestDistinct) {

        /** Writes the report as plain-text tables. */
        public void print(PrintWriter out) {
            out.printf(Locale.ROOT, "%d images, %d distinct products, %d copies%n", samples, products,
                    all.copies());
            out.printf(Locale.ROOT, "highest similarity of two different products: %.3f; closest products: %s%n%n",
                    highestDistinct, String.join(", ", closestDistinct));
            out.println("threshold  pair-precision  pair-recall  group-precision  group-recall");
            for (Point p : sweep) {
                out.printf(Locale.ROOT, "%9.2f  %14.3f  %11.3f  %15.3f  %12.3f%s%n", p.threshold(),
                        p.pairPrecision(), p.pairRecall(), p.groupPrecision(), p.groupRecall(),
                        p.threshold() == threshold ? "   <- threshold" : "");
            }
            out.printf(Locale.ROOT, "%nat threshold %.2f: duplicate pairs precision %.3f recall %.3f; as dedupe "
                    + "groups them precision %.3f recall %.3f%n%n", threshold, atThreshold.pairPrecision(),
                    atThreshold.pairRecall(), atThreshold.groupPrecision(), atThreshold.groupRecall());
            out.println("transform   copies  mean-sim  min-sim  pair-recall  group-recall  recall@1  recall@10");
            List<PerTransform> rows = new ArrayList<>(transforms);
            rows.add(all);
            for (PerTransform t : rows) {
                out.printf(Locale.ROOT, "%-10s  %6d  %8.3f  %7.3f  %11.3f  %12.3f  %8.3f  %9.3f%n", t.transform(),
                        t.copies(), t.meanSimilarity(), t.minSimilarity(), t.pairRecall(), t.groupRecall(),
                        t.recallAt1(), t.recallAt10());
            }
            out.flush();
        }
    }

    private NearDuplicateEvaluation() {}

    /**
     * Measures a set.
     *
     * @param samples the labelled, embedded items
     * @param threshold the threshold to report per transform (included in the sweep)
     * @param sweep further thresholds to report
     * @param index an empty index of the samples' model and dimension, which the originals and distinct products
     *     are added to and searched
     * @param modelId the {@code model@version} that embedded the samples
     */
    public static Report measure(List<Sample> samples, double threshold, List<Double> sweep, VectorIndex index,
            String modelId) {
        int n = samples.size();
        float[][] sims = new float[n][n];
        double highestDistinct = -1;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                float s = (float) DuplicateGroups.cosine(samples.get(i).vector(), samples.get(j).vector());
                sims[i][j] = s;
                sims[j][i] = s;
                if (!samples.get(i).original().equals(samples.get(j).original())) {
                    highestDistinct = Math.max(highestDistinct, s);
                }
            }
        }
        List<Double> thresholds = new ArrayList<>(sweep);
        if (!thresholds.contains(threshold)) {
            thresholds.add(threshold);
        }
        thresholds.sort(Double::compare);
        List<Point> points = new ArrayList<>();
        Point chosen = null;
        for (double t : thresholds) {
            Point p = point(samples, sims, t);
            points.add(p);
            if (t == threshold) {
                chosen = p;
            }
        }
        Map<String, Integer> position = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            position.put(samples.get(i).id(), i);
            if (!samples.get(i).isCopy()) {
                index.add(samples.get(i).id(), samples.get(i).id(), samples.get(i).embedding(), Map.of());
            }
        }
        index.commit();
        int[] group = groupOf(samples, sims, threshold);
        Map<String, List<double[]>> byTransform = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            if (!s.isCopy()) {
                continue;
            }
            int o = position.get(s.original());
            List<VectorIndex.Hit> hits = index.search(s.embedding(), modelId, 10);
            int rank = -1;
            for (int r = 0; r < hits.size(); r++) {
                if (hits.get(r).id().equals(s.original())) {
                    rank = r;
                    break;
                }
            }
            byTransform.computeIfAbsent(s.transform(), k -> new ArrayList<>()).add(new double[] {sims[i][o],
                sims[i][o] >= threshold ? 1 : 0, group[i] == group[o] ? 1 : 0, rank == 0 ? 1 : 0, rank >= 0 ? 1 : 0});
        }
        List<PerTransform> rows = new ArrayList<>();
        List<double[]> every = new ArrayList<>();
        byTransform.forEach((t, v) -> {
            rows.add(row(t, v));
            every.addAll(v);
        });
        long products = samples.stream().filter(s -> !s.isCopy()).count();
        List<String> closest = new ArrayList<>();
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (!samples.get(i).isCopy() && !samples.get(j).isCopy()) {
                    pairs.add(new int[] {i, j});
                }
            }
        }
        pairs.sort((a, b) -> Float.compare(sims[b[0]][b[1]], sims[a[0]][a[1]]));
        pairs.stream().limit(5).forEach(p -> closest.add(String.format(Locale.ROOT, "%s %s %.3f",
                samples.get(p[0]).id(), samples.get(p[1]).id(), sims[p[0]][p[1]])));
        return new Report(n, (int) products, threshold, chosen, points, rows, row("all", every), highestDistinct,
                closest);
    }

    private static PerTransform row(String transform, List<double[]> v) {
        double[] sum = new double[5];
        double min = 1;
        for (double[] r : v) {
            for (int k = 0; k < 5; k++) {
                sum[k] += r[k];
            }
            min = Math.min(min, r[0]);
        }
        int c = Math.max(1, v.size());
        return new PerTransform(transform, v.size(), sum[0] / c, min, sum[1] / c, sum[2] / c, sum[3] / c,
                sum[4] / c);
    }

    private static int[] groupOf(List<Sample> samples, float[][] sims, double threshold) {
        // no two files of the set are byte-identical, so the ids stand in for the content hashes
        List<List<Integer>> groups = DuplicateGroups.of(samples.stream().map(Sample::id).toList(),
                (i, j) -> sims[i][j], threshold);
        int[] group = new int[samples.size()];
        for (int g = 0; g < groups.size(); g++) {
            for (int i : groups.get(g)) {
                group[i] = g;
            }
        }
        return group;
    }

    private static Point point(List<Sample> samples, float[][] sims, double threshold) {
        int[] group = groupOf(samples, sims, threshold);
        long truePairs = 0;
        long predicted = 0;
        long hit = 0;
        long grouped = 0;
        long groupedHit = 0;
        for (int i = 0; i < samples.size(); i++) {
            for (int j = i + 1; j < samples.size(); j++) {
                boolean same = samples.get(i).original().equals(samples.get(j).original());
                boolean near = sims[i][j] >= threshold;
                boolean together = group[i] == group[j];
                truePairs += same ? 1 : 0;
                predicted += near ? 1 : 0;
                hit += same && near ? 1 : 0;
                grouped += together ? 1 : 0;
                groupedHit += same && together ? 1 : 0;
            }
        }
        return new Point(threshold, ratio(hit, predicted), ratio(hit, truePairs), ratio(groupedHit, grouped),
                ratio(groupedHit, truePairs));
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 1.0 : (double) a / b;
    }
}
