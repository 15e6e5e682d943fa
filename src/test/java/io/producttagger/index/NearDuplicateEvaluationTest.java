package io.producttagger.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The duplicate and search figures of a set whose vectors are made so that every answer is known. */
class NearDuplicateEvaluationTest {

    @TempDir
    Path tmp;

    /** A unit vector along axis {@code a}, tilted towards axis {@code b} by {@code t} (cosine to a: 1/sqrt(1+t²)). */
    private static float[] tilted(int a, int b, float t) {
        float[] v = new float[4];
        v[a] = 1;
        v[b] += t;
        float norm = (float) Math.sqrt(1 + t * t);
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
        return v;
    }

    @Test
    void countsPairsGroupsAndSearchHitsPerTransform() {
        List<NearDuplicateEvaluation.Sample> samples = new ArrayList<>();
        samples.add(new NearDuplicateEvaluation.Sample("a", "a", "original", tilted(0, 1, 0)));
        samples.add(new NearDuplicateEvaluation.Sample("b", "b", "original", tilted(2, 1, 0)));
        samples.add(new NearDuplicateEvaluation.Sample("d", "d", "distinct", tilted(3, 1, 0)));
        // a's copies: "jpeg" close (cos 0.995), "crop" far (cos 0.5): below 0.9, yet its nearest item is a
        samples.add(new NearDuplicateEvaluation.Sample("a-jpeg", "a", "jpeg", tilted(0, 1, 0.1f)));
        samples.add(new NearDuplicateEvaluation.Sample("a-crop", "a", "crop", tilted(0, 1, 1.732f)));
        // b's jpeg copy leans towards d more than b: search finds d first, b second
        float[] towardsD = {0, 0, 0.6f, 0.8f};
        samples.add(new NearDuplicateEvaluation.Sample("b-jpeg", "b", "jpeg", towardsD));
        try (IndexStore store = new IndexStore(tmp, 1);
                VectorIndex index = store.openForBuild("t", new VectorIndex.Meta("m", "1", 4))) {
            NearDuplicateEvaluation.Report r = NearDuplicateEvaluation.measure(samples, 0.9, List.of(0.4, 0.9),
                    index, "m@1");
            assertEquals(6, r.samples());
            assertEquals(3, r.products());
            // true pairs: a~a-jpeg, a~a-crop, a-jpeg~a-crop, b~b-jpeg = 4; at 0.9 only a~a-jpeg is found
            assertEquals(1.0, r.atThreshold().pairPrecision(), 1e-9);
            assertEquals(0.25, r.atThreshold().pairRecall(), 1e-9);
            Map<String, NearDuplicateEvaluation.PerTransform> rows = new java.util.HashMap<>();
            r.transforms().forEach(t -> rows.put(t.transform(), t));
            assertEquals(2, rows.get("jpeg").copies());
            assertEquals(0.5, rows.get("jpeg").pairRecall(), 1e-9);
            assertEquals(0.5, rows.get("jpeg").recallAt1(), 1e-9);
            assertEquals(1.0, rows.get("jpeg").recallAt10(), 1e-9);
            assertEquals(0.0, rows.get("crop").pairRecall(), 1e-9);
            assertEquals(1.0, rows.get("crop").recallAt1(), 1e-9);
            assertEquals(0.5, rows.get("crop").meanSimilarity(), 1e-3);
            // at 0.4 b-jpeg (cos 0.8 to d) joins b and d into one group: group precision falls below pair precision
            NearDuplicateEvaluation.Point low = r.sweep().get(0);
            assertEquals(0.4, low.threshold());
            // pairs at 0.4: the 4 true ones and b-jpeg~d; groups {a, a-jpeg, a-crop} and {b, d, b-jpeg}: 4 of 6
            assertEquals(0.8, low.pairPrecision(), 1e-9);
            assertEquals(1.0, low.pairRecall(), 1e-9);
            assertEquals(4.0 / 6, low.groupPrecision(), 1e-9);
            assertEquals(1.0, low.groupRecall(), 1e-9);
            assertEquals(0.8, r.highestDistinct(), 1e-6);
        }
    }

    @Test
    void groupsExactCopiesByHashAndNearOnesTransitively() {
        List<float[]> v = List.of(tilted(0, 1, 0), tilted(2, 1, 0), tilted(0, 1, 0.3f), tilted(0, 1, 0.7f),
                tilted(3, 1, 0));
        // 0~2 (cos 0.958), 2~3 (cos 0.97) but 0~3 only 0.82: chained into one group at 0.9; 1 and 4 share a hash
        List<List<Integer>> groups = DuplicateGroups.of(List.of("h0", "h1", "h2", "h3", "h1"), v, 0.9);
        assertEquals(List.of(List.of(0, 2, 3), List.of(1, 4)), groups);
    }
}
