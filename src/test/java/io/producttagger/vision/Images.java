package io.producttagger.vision;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;

/** Test fixtures made on the fly: small two-color images and their encodings. */
final class Images {

    static final Scalar RED = new Scalar(0, 0, 255);
    static final Scalar BLUE = new Scalar(255, 0, 0);

    private Images() {}

    /** A BGR image, red on the left half and blue on the right half. */
    static Mat redLeftBlueRight(int width, int height) {
        OpenCv.load();
        Mat m = new Mat(height, width, CvType.CV_8UC3, BLUE);
        m.submat(new Rect(0, 0, width / 2, height)).setTo(RED);
        return m;
    }


    /** Encodes with ImageIO (for GIF, which OpenCV cannot write). */
    static byte[] encodeImageIo(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The BGR color at a pixel. */
    static double[] at(Mat m, int x, int y) {
        return m.get(y, x);
    }

    /** Whether a BGR pixel is within {@code tol} of the color on every channel. */
    static boolean near(double[] px, Scalar color, double tol) {
        for (int c = 0; c < 3; c++) {
            if (Math.abs(px[c] - color.val[c]) > tol) {
                return false;
            }
        }
        return true;
    }
}
