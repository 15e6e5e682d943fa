package io.producttagger.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A Lucene HNSW index on disk: what a merge after a build does to its segments and its answers. */
class VectorIndexTest {

    private static final VectorIndex.Meta META = new VectorIndex.Meta("m", "1", 64);

    private static float[] unit(SplittableRandom random) {
        float[] v = new float[META.dimension()];
        double norm = 0;
        for (int d = 0; d < v.length; d++) {
            v[d] = (float) random.nextGaussian();
            norm += v[d] * v[d];
        }
        for (int d = 0; d < v.length; d++) {
            v[d] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    /** The merge workers' threads of the index {@code shop}, alive now. */
    private static List<Thread> mergeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("index-merge-shop-") && t.isAlive()).toList();
    }

    /**
     * With one merge thread the merging thread builds the merged graph alone; with two, Lucene's merge workers build
     * it on the index's own threads, which end with the index. Either way the one segment finds every item first.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void mergingAfterCommitsLeavesOneSegmentThatStillFindsEveryItemFirst(int mergeThreads, @TempDir Path dir)
            throws InterruptedException {
        SplittableRandom random = new SplittableRandom(3);
        List<float[]> vectors = new ArrayList<>();
        try (VectorIndex index = VectorIndex.openOrCreate("shop", dir.resolve("shop"), META, mergeThreads)) {
            for (int i = 0; i < 700; i++) {
                vectors.add(unit(random));
                index.add("item" + i, "p" + i, vectors.get(i), Map.of("sku", "s" + i));
                if ((i + 1) % IndexBuild.COMMIT_EVERY == 0) {
                    index.commit();
                }
            }
            index.commit();
            assertTrue(index.segments() > 1, "commits every " + IndexBuild.COMMIT_EVERY + " items make segments");
            index.merge();
            assertEquals(1, index.segments());
            assertEquals(mergeThreads > 1, !mergeThreads().isEmpty(),
                    "the merge ran on the index's merge threads exactly when it has more than one");
            assertEquals(700, index.size());
            for (int i = 0; i < vectors.size(); i += 7) {
                VectorIndex.Hit first = index.search(vectors.get(i), META.modelId(), 10).get(0);
                assertEquals("item" + i, first.id());
                assertEquals(1.0, first.similarity(), 1e-5);
                assertEquals(Map.of("sku", "s" + i), first.extra());
            }
        }
        for (Thread t : mergeThreads()) {
            t.join(10_000);
        }
        assertTrue(mergeThreads().isEmpty(), "closing the index ends its merge threads");
        try (VectorIndex reopened = VectorIndex.open("shop", dir.resolve("shop"), 1)) {
            assertEquals(1, reopened.segments(), "the merge is committed");
            assertEquals(700, reopened.size());
        }
    }
}
