package io.producttagger.training.data;

import java.util.List;

/**
 * Images already at a model's input size, as 8-bit interleaved pixels in one array, with their labels.
 *
 * @param width pixels across
 * @param height pixels down
 * @param channels 1 (grayscale) or 3 (RGB)
 * @param pixels {@code size() * width * height * channels} bytes, image after image
 * @param labels the label index of each image
 * @param labelNames the name of each label index
 */
public record LabeledImages(int width, int height, int channels, byte[] pixels, int[] labels,
        List<String> labelNames) {

    /** Validates that the arrays agree. */
    public LabeledImages {
        if ((long) labels.length * width * height * channels != pixels.length) {
            throw new IllegalArgumentException("pixel count does not match " + labels.length + " images of "
                    + width + "x" + height + "x" + channels);
        }
        for (int l : labels) {
            if (l < 0 || l >= labelNames.size()) {
                throw new IllegalArgumentException("label index " + l + " outside 0.." + (labelNames.size() - 1));
            }
        }
        labelNames = List.copyOf(labelNames);
    }

    /** Returns the number of images. */
    public int size() {
        return labels.length;
    }

    /** Returns the bytes of one image. */
    public int imageBytes() {
        return width * height * channels;
    }

    /** Returns the first {@code n} images (all if fewer). */
    public LabeledImages head(int n) {
        int k = Math.min(n, size());
        byte[] p = java.util.Arrays.copyOf(pixels, k * imageBytes());
        return new LabeledImages(width, height, channels, p, java.util.Arrays.copyOf(labels, k), labelNames);
    }

    /** Returns the images at the given indices, in that order. */
    public LabeledImages select(int[] indices) {
        int b = imageBytes();
        byte[] p = new byte[indices.length * b];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * b, p, i * b, b);
            l[i] = labels[indices[i]];
        }
        return new LabeledImages(width, height, channels, p, l, labelNames);
    }
}
