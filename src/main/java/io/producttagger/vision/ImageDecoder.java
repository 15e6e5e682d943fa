package io.producttagger.vision;

import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

/** Decodes image bytes with OpenCV into an 8-bit, 3-channel BGR {@link Mat}. */
public final class ImageDecoder {

    private final long maxPixels;

    /**
     * Creates a decoder.
     *
     * @param maxPixels images with more pixels than this are refused before decoding
     */
    public ImageDecoder(long maxPixels) {
        OpenCv.load();
        this.maxPixels = maxPixels;
    }

    /** Returns the pixel limit. */
    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Decodes an image.
     *
     * @param bytes the encoded image
     * @param targetSide the largest side the model needs, a hint for reduced decoding (0 for full size)
     * @return an 8-bit BGR image the caller must release
     * @throws VisionException when the image is empty, unsupported, corrupt or too large
     */
    public Mat decode(byte[] bytes, int targetSide) {
        if (bytes == null || bytes.length == 0) {
            throw new VisionException.Empty("the image is empty (0 bytes)");
        }
        MatOfByte buf = new MatOfByte(bytes);
        try {
            Mat m = Imgcodecs.imdecode(buf, Imgcodecs.IMREAD_COLOR);
            if (m.empty()) {
                m.release();
                throw new VisionException.UnsupportedFormat("the data is not an image OpenCV can decode");
            }
            if ((long) m.width() * m.height() > maxPixels) {
                m.release();
                throw new VisionException.TooLarge("the image has too many pixels; the limit is " + maxPixels
                        + " (vision.max-pixels, TAGGER_VISION_MAX_PIXELS)");
            }
            return m;
        } finally {
            buf.release();
        }
    }
}
