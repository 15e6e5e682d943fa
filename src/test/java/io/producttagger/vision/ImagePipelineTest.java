package io.producttagger.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.training.data.FashionMnist;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

class ImagePipelineTest {

    private final ImagePipeline fashion = new ImagePipeline(new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS),
            FashionMnist.preprocessing(), 28, 28, 1);

    /** A 1200x900 photo: a dark product on a light grey-blue backdrop. */
    private static byte[] productPhoto() {
        Mat img = new Mat(900, 1200, CvType.CV_8UC3, new Scalar(245, 235, 225));
        Imgproc.rectangle(img, new Point(400, 150), new Point(800, 750), new Scalar(40, 30, 20), -1);
        return OpenCv.encode(img, ".jpg");
    }

    @Test
    void fashionRecipeTurnsTheBackdropToTheDataSetsBlack() {
        float[] t = fashion.process(productPhoto()).tensor();
        float black = (0 - 0.2860f) / 0.3530f;
        assertEquals(784, t.length);
        assertEquals(black, t[0], 1e-3f, "corner");
        assertEquals(black, t[14 * 28 + 2], 1e-3f, "padding beside the portrait product");
        assertTrue(t[14 * 28 + 14] > 1.5f, "the dark product becomes bright");
    }

    @Test
    void reportsDecodeAndPreprocessTimes() {
        ImagePipeline.Processed p = fashion.process(productPhoto());
        assertTrue(p.decodeMs() > 0 && p.preprocessMs() > 0);
    }

    @Test
    void passesDecoderErrorsThrough() {
        assertThrows(VisionException.Empty.class, () -> fashion.process(new byte[0]));
    }

    @Test
    void givesTheSameTensorFromManyThreads() throws Exception {
        byte[] photo = productPhoto();
        float[] expected = fashion.process(photo).tensor();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> fashion.process(photo).tensor()));
            }
            for (Future<float[]> f : results) {
                assertArrayEquals(expected, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void blankAndNearUniformImagesAreFlaggedAndPhotosAreNot() {
        Mat black = new Mat(600, 600, CvType.CV_8UC3, new Scalar(0, 0, 0));
        Mat grey = new Mat(300, 400, CvType.CV_8UC3, new Scalar(200, 200, 200));
        try {
            assertTrue(fashion.process(OpenCv.encode(black, ".png")).blank(), "all black");
            assertTrue(fashion.process(OpenCv.encode(grey, ".jpg")).blank(), "flat grey with JPEG noise");
        } finally {
            black.release();
            grey.release();
        }
        assertFalse(fashion.process(productPhoto()).blank(), "a product on a plain backdrop");
    }
}
