package io.producttagger.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

/**
 * Turns a batch of preprocessed CHW float images into one NDArray and the network's output into what the loaded
 * version answers ({@link ModelOutput}): logits into softmax probabilities, or pooled features into L2-normalised
 * embeddings.
 *
 * <p>DJL gives every {@code predict} call its own {@link TranslatorContext} manager and closes it when the
 * call returns, so the input, intermediate and output arrays of a request are freed with it.
 */
final class TensorBatchTranslator implements Translator<TensorBatchTranslator.Input, float[]> {

    /**
     * A batch of images.
     *
     * @param chw {@code count} images of {@code channels * height * width} floats each, back to back
     * @param count how many images
     */
    record Input(float[] chw, int count) {}

    /** Keeps a zero vector (all-zero features) from dividing by zero; far below any real feature's norm. */
    private static final float MIN_NORM = 1e-12f;

    private final ModelManifest.InputSpec spec;
    private final ModelOutput output;

    TensorBatchTranslator(ModelManifest.InputSpec spec, ModelOutput output) {
        this.spec = spec;
        this.output = output;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Input input) {
        NDArray x = ctx.getNDManager().create(input.chw(),
                new Shape(input.count(), spec.channels(), spec.height(), spec.width()));
        return new NDList(x);
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
        NDArray y = list.singletonOrThrow();
        if (output != ModelOutput.LABEL_SCORES) { // a duplicate descriptor is unit length already: a no-op
            NDArray flat = y.reshape(y.getShape().get(0), -1);
            NDArray norm = flat.norm(new int[] {1}, true).maximum(MIN_NORM);
            return flat.div(norm).toFloatArray();
        }
        return y.softmax(1).toFloatArray();
    }

    @Override
    public Batchifier getBatchifier() {
        return null; // the input is already a batch
    }
}
