package io.producttagger.training.loop;

import io.producttagger.training.data.LabeledImages;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;

/**
 * Labelled samples as a trainer consumes them: one float tensor per sample, written on demand, augmented when
 * asked. Images at input size ({@link #images}) and features cached from a frozen network ({@link Cached}) are
 * the two kinds; the training loop and the evaluation do not tell them apart.
 */
public interface TrainingSamples {

    /** Returns the number of samples. */
    int size();

    /** Returns the label index of sample {@code i}. */
    int label(int i);

    /** Returns the name of each label index. */
    List<String> labelNames();

    /** Returns the shape of one sample's tensor, without the batch axis. */
    Shape sampleShape();

    /** Returns the floats of one sample's tensor. */
    default int sampleSize() {
        return (int) sampleShape().size();
    }

    /**
     * Writes sample {@code i} into {@code out} at {@code offset}.
     *
     * @param random the source of a random augmentation, or null for the sample as it is
     */
    void write(int i, float[] out, int offset, Random random);

    /**
     * Images at input size, normalised on the way out and augmented with {@code augmentation} when a random
     * source is given. Not thread-safe (one scratch buffer).
     */
    static TrainingSamples images(LabeledImages images, io.producttagger.vision.Normalization normalization,
            Augmentation augmentation) {
        byte[] scratch = new byte[images.imageBytes()];
        Shape shape = new Shape(images.channels(), images.height(), images.width());
        return new TrainingSamples() {
            @Override
            public int size() {
                return images.size();
            }

            @Override
            public int label(int i) {
                return images.labels()[i];
            }

            @Override
            public List<String> labelNames() {
                return images.labelNames();
            }

            @Override
            public Shape sampleShape() {
                return shape;
            }

            @Override
            public void write(int i, float[] out, int offset, Random random) {
                int w = images.width();
                int h = images.height();
                int per = images.imageBytes();
                if (random == null || augmentation.isIdentity()) {
                    normalization.toChw(images.pixels(), i * per, w, h, out, offset);
                } else {
                    augmentation.apply(images.pixels(), i * per, w, h, images.channels(), scratch, random);
                    normalization.toChw(scratch, 0, w, h, out, offset);
                }
            }
        };
    }

    /**
     * Tensors computed once by a frozen network, e.g. one per augmented view of each training image: the
     * augmentation already happened when they were computed, so {@code write} ignores its random source.
     *
     * @param shape the shape of one tensor
     * @param data the tensors back to back
     * @param labels the label index of each tensor
     * @param labelNames the name of each label index
     */
    record Cached(Shape shape, float[] data, int[] labels, List<String> labelNames) implements TrainingSamples {
        /** Validates that the arrays agree. */
        public Cached {
            if ((long) labels.length * shape.size() != data.length) {
                throw new IllegalArgumentException("cached data does not hold " + labels.length + " tensors of " + shape);
            }
            labelNames = List.copyOf(labelNames);
        }

        @Override
        public int size() {
            return labels.length;
        }

        @Override
        public int label(int i) {
            return labels[i];
        }

        @Override
        public Shape sampleShape() {
            return shape;
        }

        @Override
        public void write(int i, float[] out, int offset, Random random) {
            int per = sampleSize();
            System.arraycopy(data, i * per, out, offset, per);
        }
    }
}
