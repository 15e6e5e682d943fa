package io.producttagger.vision;

import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * Loads OpenCV's native library once per JVM (the one-time native bootstrap the architecture allows), and
 * encodes images with its codecs.
 */
public final class OpenCv {

    private static volatile boolean loaded;

    private OpenCv() {}

    /** Loads the OpenCV natives bundled in {@code org.openpnp:opencv} if not yet loaded. */
    public static void load() {
        if (!loaded) {
            synchronized (OpenCv.class) {
                if (!loaded) {
                    nu.pattern.OpenCV.loadLocally();
                    loaded = true;
                }
            }
        }
    }

    /**
     * Encodes an image with OpenCV's codecs.
     *
     * @param ext the format as a file extension, e.g. {@code ".jpg"} or {@code ".png"}
     * @param params codec flags and values, e.g. {@code Imgcodecs.IMWRITE_JPEG_QUALITY, 90}
     * @throws IllegalStateException when OpenCV cannot encode the format
     */
    public static byte[] encode(Mat image, String ext, int... params) {
        MatOfByte buf = new MatOfByte();
        try {
            if (!Imgcodecs.imencode(ext, image, buf, new MatOfInt(params))) {
                throw new IllegalStateException("OpenCV cannot encode " + ext);
            }
            return buf.toArray();
        } finally {
            buf.release();
        }
    }
}
