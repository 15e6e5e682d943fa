package io.producttagger.training.loop;

import io.producttagger.training.TrainingException;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/** Runs samples once through a frozen block (inference mode) in batches and keeps its outputs in memory. */
final class FeatureCache {

    /** Images per batch while computing cached outputs. */
    static final int BATCH = 32;

    private FeatureCache() {}

    /** The batches {@code samples} take. */
    static int batches(int samples) {
        return (samples + BATCH - 1) / BATCH;
    }

    /**
     * Computes the outputs, one progress step per batch.
     *
     * @throws TrainingException when cancelled
     */
    static TrainingSamples.Cached compute(Model model, Block frozen, TrainingSamples samples,
            ProgressTracker tracker, BooleanSupplier cancelled) {
        int n = samples.size();
        int per = samples.sampleSize();
        int[] labels = new int[n];
        float[] input = new float[BATCH * per];
        float[] data = new float[0];
        Shape outShape = new Shape(0);
        ParameterStore parameters = new ParameterStore(model.getNDManager(), false);
        for (int start = 0; start < n && !cancelled.getAsBoolean(); start += BATCH) {
            int count = Math.min(BATCH, n - start);
            for (int i = 0; i < count; i++) {
                samples.write(start + i, input, i * per, null);
                labels[start + i] = samples.label(start + i);
            }
            try (NDManager sub = model.getNDManager().newSubManager()) {
                NDArray x = sub.create(Arrays.copyOf(input, count * per),
                        new Shape(count).addAll(samples.sampleShape()));
                NDArray out = frozen.forward(parameters, new NDList(x), false).singletonOrThrow();
                if (start == 0) {
                    outShape = out.getShape().slice(1);
                    data = new float[Math.toIntExact(n * outShape.size())];
                }
                float[] values = out.toFloatArray();
                System.arraycopy(values, 0, data, Math.toIntExact(start * outShape.size()), values.length);
            }
            tracker.step("features", 0, start / BATCH + 1, batches(n), Float.NaN);
        }
        if (cancelled.getAsBoolean()) {
            throw new TrainingException("the fine-tune was cancelled; nothing was published");
        }
        return new TrainingSamples.Cached(outShape, data, labels, samples.labelNames());
    }
}
