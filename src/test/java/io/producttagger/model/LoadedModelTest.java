package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.producttagger.TestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A loaded version on the real engine: what threads sharing it may rely on. */
class LoadedModelTest {

    /**
     * MXNet's MKL-DNN convolution moves a shared weight array into its own blocked layout, in place, on the
     * first inference; under the NaiveEngine nothing orders that against a second thread's first inference, which
     * then reads weights half moved. Two predictors of a freshly loaded version, started at the same instant
     * (with a third thread keeping a core busy, as Spark's own threads do), must still answer what one thread
     * answers alone.
     */
    @Test
    void twoThreadsFirstInferenceOnAFreshlyLoadedVersionMatchesOneThread() throws Exception {
        TestSupport.offline();
        ModelStore store = new ModelStore(TestSupport.MODEL_ZOO);
        int floats = 28 * 28;
        int batch = 16;
        float[] images = new float[batch * floats];
        Random random = new Random(7);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        float[] alone;
        try (LoadedModel model = LoadedModel.load(store, "fashion", "1");
                LoadedModel.Scorer scorer = model.newScorer()) {
            alone = scorer.score(images, batch);
        }
        AtomicBoolean spinning = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            threads.submit(() -> {
                long x = 0;
                while (spinning.get()) {
                    x += System.nanoTime() % 3;
                }
                return x;
            });
            List<String> wrong = new ArrayList<>();
            for (int load = 0; load < 12; load++) {
                try (LoadedModel model = LoadedModel.load(store, "fashion", "1")) {
                    CyclicBarrier start = new CyclicBarrier(2);
                    List<Future<float[]>> answers = new ArrayList<>();
                    for (int t = 0; t < 2; t++) {
                        answers.add(threads.submit(() -> {
                            try (LoadedModel.Scorer scorer = model.newScorer()) {
                                OpenMpThreads.limitCallingThread(1);
                                start.await();
                                return scorer.score(images, batch);
                            }
                        }));
                    }
                    for (int t = 0; t < 2; t++) {
                        float[] answer = answers.get(t).get();
                        assertEquals(alone.length, answer.length);
                        if (!java.util.Arrays.equals(alone, answer)) {
                            wrong.add("load " + load + " thread " + t);
                        }
                    }
                }
            }
            assertEquals(List.of(), wrong, "answers that differ from one thread's, bit for bit");
        } finally {
            spinning.set(false);
            threads.shutdownNow();
        }
    }

    /**
     * A colour family runs as one MXNet graph; the server's inference workers, {@code tag}'s lanes and a Spark
     * executor's tasks each score it from their own thread at whatever batch size their queue holds. Two threads
     * scoring one loaded graph at changing batch sizes crashed the process in MXNet's cached op (SIGSEGV in
     * {@code MXInvokeCachedOpEx}, HTTP with {@code inference.workers=2}) before each scorer had a graph of its own;
     * every image must also get what one thread alone gives it, within the batch-size bound.
     */
    @Test
    void twoThreadsScoringOneGraphAtChangingBatchSizesMatchOneThread() throws Exception {
        TestSupport.offline();
        ModelStore store = new ModelStore(TestSupport.MODEL_ZOO);
        ModelManifest.InputSpec in = store.manifest("mobilenetv2-imagenet", "1").input();
        int floats = in.channels() * in.width() * in.height();
        int distinct = 16;
        float[] images = new float[distinct * floats];
        Random random = new Random(11);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        try (LoadedModel model = LoadedModel.load(store, "mobilenetv2-imagenet", "1")) {
            float[] alone;
            try (LoadedModel.Scorer scorer = model.newScorer()) {
                alone = scorer.score(images, distinct);
            }
            int labels = alone.length / distinct;
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<List<String>>> results = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    long seed = 100 + t;
                    results.add(threads.submit(() -> {
                        List<String> wrong = new ArrayList<>();
                        Random sizes = new Random(seed);
                        try (LoadedModel.Scorer scorer = model.newScorer()) {
                            OpenMpThreads.limitCallingThread(1);
                            start.await();
                            for (int round = 0; round < 30; round++) {
                                int batch = 1 + sizes.nextInt(distinct);
                                int first = sizes.nextInt(distinct - batch + 1);
                                float[] part = java.util.Arrays.copyOfRange(images, first * floats,
                                        (first + batch) * floats);
                                float[] answer = scorer.score(part, batch);
                                for (int i = 0; i < batch * labels; i++) {
                                    float expected = alone[first * labels + i];
                                    if (Math.abs(answer[i] - expected) > io.producttagger.ScoreAgreement.BOUND) {
                                        wrong.add("round " + round + " batch " + batch + " image " + (first
                                                + i / labels) + " label " + i % labels + ": " + answer[i]
                                                + " alone " + expected);
                                        break;
                                    }
                                }
                            }
                        }
                        return wrong;
                    }));
                }
                List<String> wrong = new ArrayList<>();
                for (Future<List<String>> r : results) {
                    wrong.addAll(r.get());
                }
                assertEquals(List.of(), wrong, "scores that differ from one thread's");
            } finally {
                threads.shutdownNow();
            }
        }
    }
}
