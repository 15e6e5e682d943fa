package io.producttagger.vision;

/**
 * Turns 8-bit interleaved pixels into the float CHW tensor a model takes: {@code (x / 255 - mean) / std}.
 *
 * <p>This is the last step of every preprocessing pipeline and the only conversion the trainer applies
 * to data sets that are already at the model's input size (Fashion-MNIST IDX files), so training and
 * serving share it.
 *
 * @param mean per-channel mean of the scaled pixels
 * @param std per-channel standard deviation of the scaled pixels
 */
public record Normalization(float[] mean, float[] std) {

    /** The name of the manifest step that declares a normalization. */
    public static final String OP = "normalize";

    /** Validates that mean and std have one positive entry per channel. */
    public Normalization {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalize needs as many means as standard deviations");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("normalize: standard deviations must be positive");
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Reads a normalization from its manifest step; without parameters it only scales to [0, 1]. */
    public static Normalization from(PreprocessingStep step, int channels) {
        float[] zeros = new float[channels];
        float[] ones = new float[channels];
        java.util.Arrays.fill(ones, 1f);
        return new Normalization(step.numbers("mean", zeros), step.numbers("std", ones)).forChannels(channels);
    }

    /** Returns this normalization with a single-value mean/std repeated for every channel. */
    public Normalization forChannels(int channels) {
        if (mean.length == channels) {
            return this;
        }
        if (mean.length != 1) {
            throw new IllegalArgumentException("normalize declares " + mean.length
                    + " channel statistics but the model takes " + channels + " channels");
        }
        float[] m = new float[channels];
        float[] s = new float[channels];
        java.util.Arrays.fill(m, mean[0]);
        java.util.Arrays.fill(s, std[0]);
        return new Normalization(m, s);
    }

    /** Returns the manifest step that declares this normalization. */
    public PreprocessingStep toStep() {
        java.util.List<Float> m = new java.util.ArrayList<>();
        java.util.List<Float> s = new java.util.ArrayList<>();
        for (int i = 0; i < mean.length; i++) {
            m.add(mean[i]);
            s.add(std[i]);
        }
        return PreprocessingStep.of(OP, java.util.Map.of("mean", m, "std", s));
    }

    /**
     * Writes one image into {@code out} at {@code offset} in CHW order.
     *
     * @param pixels interleaved (HWC) 8-bit pixels, {@code height * width * channels} of them from {@code pixelOffset}
     */
    public void toChw(byte[] pixels, int pixelOffset, int width, int height, float[] out, int offset) {
        int channels = mean.length;
        int plane = width * height;
        for (int c = 0; c < channels; c++) {
            float scale = 1f / (255f * std[c]);
            float shift = mean[c] / std[c];
            int o = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                out[o + i] = (pixels[pixelOffset + i * channels + c] & 0xFF) * scale - shift;
            }
        }
    }
}
