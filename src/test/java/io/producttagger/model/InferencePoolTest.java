package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferencePoolTest {

    @TempDir
    static Path zoo;

    private static LoadedModel model;

    @BeforeAll
    static void load() {
        TinyModel.publish(zoo, "tiny", "1");
        model = LoadedModel.load(new ModelStore(zoo), "tiny", "1");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] image(int seed) {
        float[] x = new float[28 * 28];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void batchedScoresEqualScoresOneByOne() {
        List<Float> sums = new CopyOnWriteArrayList<>();
        try (InferencePool c = new InferencePool(model, new InferencePool.Settings(1, 8, 50, 64),
                (size, ms) -> sums.add((float) size))) {
            InferencePool.Prediction alone = c.classify(image(1));
            List<CompletableFuture<InferencePool.Prediction>> many = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                many.add(c.submit(image(i % 3 == 0 ? 1 : 100 + i)));
            }
            for (int i = 0; i < 24; i += 3) {
                assertArrayEquals(alone.probabilities(), many.get(i).join().probabilities(), 1e-5f);
            }
            float total = 0;
            for (float p : many.get(5).join().probabilities()) {
                total += p;
            }
            assertEquals(1f, total, 1e-4f, "softmax probabilities");
            assertTrue(many.stream().anyMatch(f -> f.join().batchSize() > 1), "a busy queue forms batches");
            assertTrue(many.stream().allMatch(f -> f.join().batchSize() <= 8), "batches respect max-batch");
        }
    }

    @Test
    void aLoneRequestOnAnIdleClassifierRunsAlone() {
        // a 10-minute batching window: waiting for it would blow the 2-minute limit by far
        try (InferencePool c = new InferencePool(model, new InferencePool.Settings(1, 16, 600_000, 64),
                InferencePool.Observer.NONE)) {
            InferencePool.Prediction p = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> c.classify(image(3)));
            assertEquals(1, p.batchSize());
        }
    }

    @Test
    void aFullQueueRefusesAtOnce() {
        try (InferencePool c = new InferencePool(model, new InferencePool.Settings(1, 1, 0, 2), InferencePool.Observer.NONE)) {
            assertThrows(ModelException.Overloaded.class, () -> {
                for (int i = 0; i < 10_000; i++) {
                    c.submit(image(i));
                }
            });
        }
    }

    @Test
    void aFailingObserverIsLoggedAndChangesNoResult() throws Exception {
        float[] expected;
        try (InferencePool plain = new InferencePool(model, new InferencePool.Settings(1, 8, 0, 64),
                InferencePool.Observer.NONE)) {
            expected = plain.classify(image(1)).probabilities();
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        InferencePool pool = new InferencePool(model, new InferencePool.Settings(1, 8, 0, 64), (size, ms) -> {
            throw new IllegalStateException("test: a broken observer");
        });
        try {
            assertArrayEquals(expected, pool.classify(image(1)).probabilities());
            assertArrayEquals(expected, pool.classify(image(1)).probabilities());
        } finally {
            pool.close(); // its worker has left: it logged all it will
            System.setErr(stderr);
        }
        assertEquals(2, pool.batchesRun());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("test: a broken observer"), log::toString);
    }

    @Test
    void refusesANullObserver() {
        InferencePool.Settings settings = new InferencePool.Settings(1, 8, 0, 64);
        assertThrows(NullPointerException.class, () -> new InferencePool(model, settings, null).close());
    }

    @Test
    void topKSortsAndFilters() {
        float[] p = {0.05f, 0.5f, 0.1f, 0.2f, 0.15f, 0, 0, 0, 0, 0};
        List<LabelScore> top = LabelScore.top(model.manifest().labels(), p, 3, 0.11);
        assertEquals(List.of("Trouser", "Dress", "Coat"), top.stream().map(LabelScore::label).toList());
    }
}
