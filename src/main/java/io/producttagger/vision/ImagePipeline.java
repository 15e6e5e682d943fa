package io.producttagger.vision;

import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.MatOfDouble;

/**
 * Bytes to model input: decode, then the preprocessing a model declares, then the float tensor.
 * Serving, bulk tagging and training on photos all go through this one path.
 */
public final class ImagePipeline {

    /**
     * A preprocessed image.
     *
     * @param tensor CHW floats of the model's input size
     * @param decodeMs time to decode
     * @param preprocessMs time of the preprocessing steps
     * @param blank whether the decoded image is near-uniform (every channel's standard deviation under
     *     {@link #BLANK_STDDEV}): a model still gives it labels, but they say nothing about a product
     */
    public record Processed(float[] tensor, double decodeMs, double preprocessMs, boolean blank) {}

    /**
     * The largest per-channel standard deviation (of 0..255 values) of an image called blank: a flat colour
     * with JPEG noise stays well under it, a product on a plain background is far above it.
     */
    public static final double BLANK_STDDEV = 2.0;

    private final ImageDecoder decoder;
    private final Preprocessor preprocessor;

    /**
     * Creates a pipeline.
     *
     * @param decoder decodes bytes
     * @param steps the model's declared preprocessing
     * @param width model input width
     * @param height model input height
     * @param channels model input channels (1 or 3)
     */
    public ImagePipeline(ImageDecoder decoder, List<PreprocessingStep> steps, int width, int height, int channels) {
        this.decoder = decoder;
        this.preprocessor = new Preprocessor(steps, width, height, channels);
    }

    /** Returns the number of floats in one tensor: width x height x channels. */
    public int inputSize() {
        return preprocessor.inputSize();
    }

    /** Returns the model's normalisation, the step {@link #pixels} leaves out. */
    public Normalization normalization() {
        return preprocessor.normalization();
    }

    /**
     * Decodes one image and runs every declared step but {@code normalize}: 8-bit interleaved pixels at input
     * size, the form training augments; thread-safe.
     *
     * @throws VisionException when the bytes are not a decodable image
     */
    public byte[] pixels(byte[] encoded) {
        Mat img = decoder.decode(encoded, preprocessor.targetSide());
        try {
            return preprocessor.pixels(img);
        } finally {
            img.release();
        }
    }

    /** Decodes and preprocesses one image; thread-safe. */
    public Processed process(byte[] bytes) {
        long t0 = System.nanoTime();
        Mat img = decoder.decode(bytes, preprocessor.targetSide());
        long t1 = System.nanoTime();
        try {
            boolean blank = isBlank(img);
            float[] tensor = preprocessor.apply(img);
            long t2 = System.nanoTime();
            return new Processed(tensor, (t1 - t0) / 1e6, (t2 - t1) / 1e6, blank);
        } finally {
            img.release();
        }
    }

    /** Whether every channel of an image is near-constant (see {@link #BLANK_STDDEV}). */
    static boolean isBlank(Mat img) {
        MatOfDouble mean = new MatOfDouble();
        MatOfDouble stddev = new MatOfDouble();
        try {
            Core.meanStdDev(img, mean, stddev);
            for (double d : stddev.toArray()) {
                if (d >= BLANK_STDDEV) {
                    return false;
                }
            }
            return true;
        } finally {
            mean.release();
            stddev.release();
        }
    }
}
