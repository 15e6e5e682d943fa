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
}
