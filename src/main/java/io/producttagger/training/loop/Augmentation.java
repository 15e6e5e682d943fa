package io.producttagger.training.loop;

import java.util.Random;

/**
 * Random translation (pad-and-crop) and horizontal flips on 8-bit interleaved images at input size.
 *
 * <p>Shifting by up to {@code maxShift} pixels with the background value filled in is the same as padding by
 * {@code maxShift} and cropping at a random place; it runs on bytes before normalisation so it costs no
 * native call.
 *
 * @param maxShift the largest shift in pixels, 0 for none
 * @param flip whether to flip half of the images left-right
 * @param background the pixel value shifted-in areas get (0 for Fashion-MNIST's black background)
 */
public record Augmentation(int maxShift, boolean flip, int background) {

    /** No augmentation. */
    public static final Augmentation NONE = new Augmentation(0, false, 0);

    /** Validates the parameters. */
    public Augmentation {
        if (maxShift < 0 || background < 0 || background > 255) {
            throw new IllegalArgumentException("shift must be >= 0 and background in 0..255");
        }
    }

    /** Returns whether this changes anything. */
    public boolean isIdentity() {
        return maxShift == 0 && !flip;
    }

    /**
     * Writes an augmented copy of one image into {@code dst}.
     *
     * @param src source pixels, the image starting at {@code srcOff}
     * @param dst destination of {@code width * height * channels} bytes
     */
    public void apply(byte[] src, int srcOff, int width, int height, int channels, byte[] dst, Random random) {
        int dx = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
        int dy = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
        boolean mirror = flip && random.nextBoolean();
        for (int y = 0; y < height; y++) {
            int sy = y - dy;
            for (int x = 0; x < width; x++) {
                int sx0 = x - dx;
                int sx = mirror ? width - 1 - sx0 : sx0;
                int d = (y * width + x) * channels;
                if (sy < 0 || sy >= height || sx0 < 0 || sx0 >= width) {
                    for (int c = 0; c < channels; c++) {
                        dst[d + c] = (byte) background;
                    }
                } else {
                    int s = srcOff + (sy * width + sx) * channels;
                    for (int c = 0; c < channels; c++) {
                        dst[d + c] = src[s + c];
                    }
                }
            }
        }
    }
}
