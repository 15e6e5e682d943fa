package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.vision.ImageDecoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
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

    /** A marker in an image's first float: the test scorer fails the batch that holds it. */
    private static final float POISON = 12345f;

    private static float[] poison() {
        float[] x = image(7);
        x[0] = POISON;
        return x;
    }

    private static boolean poisoned(float[] chw, int count) {
        for (int i = 0; i < count; i++) {
            if (chw[i * 28 * 28] == POISON) {
                return true;
            }
        }
        return false;
    }

    /** What the test scorer does before each batch, given which scorer it is (1 for the first one created). */
    private interface Step {
        void before(int scorer, float[] chw, int count) throws InterruptedException;
    }

    /**
     * The pool's real predictors with a test's step before each batch (to fail a batch with an Error or to hold a
     * worker inside it); counts the scorers created and records which thread ran each batch.
     */
    private static final class Scripted {
        final AtomicInteger created = new AtomicInteger();
        final List<String> threads = new CopyOnWriteArrayList<>();
        private final Step step;

        Scripted(Step step) {
            this.step = step;
        }

        InferencePool.Hooks hooks() {
            return hooks(() -> { });
        }

        InferencePool.Hooks hooks(Runnable admitted) {
            return new InferencePool.Hooks(m -> {
                int number = created.incrementAndGet();
                LoadedModel.Scorer real = m.newScorer();
                return new InferencePool.Scorer() {
                    @Override
                    public float[] score(float[] chw, int count) {
                        threads.add(Thread.currentThread().getName());
                        try {
                            step.before(number, chw, count);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return real.score(chw, count);
                    }

                    @Override
                    public void close() {
                        real.close();
                    }
                };
            }, admitted);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within a minute: " + what);
            }
            Thread.sleep(5);
        }
    }

    private static ModelException.WorkerFailed workerFailure(CompletableFuture<InferencePool.Prediction> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.MINUTES));
        return assertInstanceOf(ModelException.WorkerFailed.class, e.getCause());
    }

    @Test
    void anErrorFailsItsBatchMarksThePoolUnhealthyAndANewWorkerTakesOver() throws Exception {
        CountDownLatch probeMayRun = new CountDownLatch(1);
        Scripted scorers = new Scripted((scorer, chw, count) -> {
            if (scorer == 1 && poisoned(chw, count)) {
                throw new InternalError("test: a native failure");
            }
            if (scorer == 2) {
                probeMayRun.await(); // holds the replacement before it is up
            }
        });
        try (InferencePool pool = new InferencePool(model, new InferencePool.Settings(1, 8, 0, 64),
                InferencePool.Observer.NONE, scorers.hooks())) {
            float[] before = pool.classify(image(1)).probabilities();
            assertTrue(pool.isHealthy());

            ModelException.WorkerFailed failed = workerFailure(pool.submit(poison()));
            assertInstanceOf(InternalError.class, failed.getCause());
            assertFalse(pool.isHealthy(), "unhealthy from the failure until a replacement is up");
            // the only worker is down: an image is refused at once instead of waiting for a worker
            assertThrows(ModelException.WorkerFailed.class, () -> pool.submit(image(1)));

            probeMayRun.countDown();
            await(pool::isHealthy, "the replacement comes up");
            assertArrayEquals(before, pool.submit(image(1)).get(1, TimeUnit.MINUTES).probabilities());
            assertEquals(2, scorers.created.get(), "the replacement has a scorer of its own");
            assertNotEquals(scorers.threads.get(0), scorers.threads.get(scorers.threads.size() - 1),
                    "and a thread of its own");
        }
    }

    @Test
    void imagesQueuedBehindAFailingBatchFailInsteadOfWaiting() throws Exception {
        CountDownLatch inBatch = new CountDownLatch(1);
        CountDownLatch mayFail = new CountDownLatch(1);
        CountDownLatch replacementMayStart = new CountDownLatch(1);
        Scripted scorers = new Scripted((scorer, chw, count) -> {
            if (scorer == 1 && poisoned(chw, count)) {
                inBatch.countDown();
                mayFail.await();
                throw new InternalError("test: a native failure");
            }
            if (scorer == 2) {
                replacementMayStart.await();
            }
        });
        try (InferencePool pool = new InferencePool(model, new InferencePool.Settings(1, 1, 0, 64),
                InferencePool.Observer.NONE, scorers.hooks())) {
            CompletableFuture<InferencePool.Prediction> failing = pool.submit(poison());
            inBatch.await();
            List<CompletableFuture<InferencePool.Prediction>> queued = List.of(pool.submit(image(1)),
                    pool.submit(image(2)));
            mayFail.countDown();
            workerFailure(failing);
            queued.forEach(InferencePoolTest::workerFailure);
            replacementMayStart.countDown();
            await(pool::isHealthy, "the replacement comes up");
            assertEquals(10, pool.classify(image(1)).probabilities().length);
        }
    }

    @Test
    void aReplacementThatFailsToComeUpIsReplacedInTurn() throws Exception {
        Scripted scorers = new Scripted((scorer, chw, count) -> {
            if (scorer == 1 && poisoned(chw, count) || scorer == 2) {
                throw new InternalError("test: a native failure");
            }
        });
        try (InferencePool pool = new InferencePool(model, new InferencePool.Settings(1, 8, 0, 64),
                InferencePool.Observer.NONE, scorers.hooks())) {
            workerFailure(pool.submit(poison()));
            await(pool::isHealthy, "a third worker comes up");
            assertEquals(3, scorers.created.get());
            assertEquals(10, pool.classify(image(1)).probabilities().length);
        }
    }

    @Test
    void aSubmissionRacingCloseIsRefusedRatherThanLeftInTheQueue() throws Exception {
        AtomicBoolean holdNext = new AtomicBoolean();
        CountDownLatch admitted = new CountDownLatch(1);
        CountDownLatch mayQueue = new CountDownLatch(1);
        Runnable hold = () -> {
            if (holdNext.getAndSet(false)) {
                admitted.countDown();
                try {
                    mayQueue.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        InferencePool pool = new InferencePool(model, new InferencePool.Settings(1, 8, 0, 64),
                InferencePool.Observer.NONE, new Scripted((scorer, chw, count) -> { }).hooks(hold));
        pool.classify(image(1));
        holdNext.set(true);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread late = new Thread(() -> {
            try {
                outcome.set(pool.submit(image(2)));
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        });
        late.start();
        admitted.await(); // the submission passed the check: the pool was open
        pool.close(); // the worker finds the queue empty and leaves before the image is queued
        mayQueue.countDown();
        late.join();
        assertInstanceOf(ModelException.Overloaded.class, outcome.get(),
                "an image queued after the workers left would wait forever");
    }

    @Test
    void closeNeverFreesTheModelUnderAWorkerThatStillUsesIt() throws Exception {
        LoadedModel own = LoadedModel.load(new ModelStore(zoo), "tiny", "1");
        CountDownLatch scoring = new CountDownLatch(1);
        CountDownLatch mayScore = new CountDownLatch(1);
        Scripted scorers = new Scripted((scorer, chw, count) -> {
            scoring.countDown();
            mayScore.await();
        });
        InferencePool pool = new InferencePool(own, new InferencePool.Settings(1, 8, 0, 64),
                InferencePool.Observer.NONE, scorers.hooks());
        ServingModel serving = new ServingModel(own, new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), pool);
        CompletableFuture<InferencePool.Prediction> busy = pool.submit(image(1));
        scoring.await();
        // close stops waiting for the workers at once when interrupted, as it does after its grace period
        Thread.currentThread().interrupt();
        serving.close();
        assertTrue(Thread.interrupted());
        assertFalse(pool.stopped().toCompletableFuture().isDone(), "the worker is still in its batch");
        mayScore.countDown();
        assertEquals(10, busy.get(1, TimeUnit.MINUTES).probabilities().length, "scored on a model still open");
        await(() -> {
            try {
                own.newScorer().close();
                return false;
            } catch (IllegalStateException e) {
                return true; // "NDManager has been closed already"
            }
        }, "the last worker out frees the model");
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
