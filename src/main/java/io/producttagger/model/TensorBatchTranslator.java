package io.producttagger.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

/**
 * Turns a batch of preprocessed CHW float images into one NDArray and the network's logits into softmax
 * probabilities.
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

    private final ModelManifest.InputSpec spec;

    TensorBatchTranslator(ModelManifest.InputSpec spec) {
        this.spec = spec;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Input input) {
        NDArray x = ctx.getNDManager().create(input.chw(),
                new Shape(input.count(), spec.channels(), spec.height(), spec.width()));
        return new NDList(x);
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
        return list.singletonOrThrow().softmax(1).toFloatArray();
    }

    @Override
    public Batchifier getBatchifier() {
        return null; // the input is already a batch
    }
}
