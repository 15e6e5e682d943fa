package io.producttagger.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;

class ImageDecoderOrientationTest {

    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    /** A 40x20 JPEG, red left and blue right, tagged with an EXIF orientation. */
    private static byte[] taggedJpeg(int orientation) {
        return Exif.withOrientation(OpenCv.encode(Images.redLeftBlueRight(40, 20), ".jpg"), orientation);
    }

    @Test
    void readsOrientationFromExifSegment() {
        assertEquals(6, ImageHeader.read(taggedJpeg(6)).orientation());
    }

    @Test
    void rotatesClockwiseForOrientation6() {
        Mat m = decoder.decode(taggedJpeg(6), 0);
        assertEquals(20, m.width());
        assertEquals(40, m.height());
        assertTrue(Images.near(Images.at(m, 10, 5), Images.RED, 40), "stored left is now on top");
        assertTrue(Images.near(Images.at(m, 10, 34), Images.BLUE, 40), "stored right is now at the bottom");
        m.release();
    }

    @Test
    void rotatesCounterClockwiseForOrientation8() {
        Mat m = decoder.decode(taggedJpeg(8), 0);
        assertEquals(20, m.width());
        assertEquals(40, m.height());
        assertTrue(Images.near(Images.at(m, 10, 34), Images.RED, 40), "stored left is now at the bottom");
        assertTrue(Images.near(Images.at(m, 10, 5), Images.BLUE, 40), "stored right is now on top");
        m.release();
    }

    @Test
    void mirrorsForOrientation2() {
        Mat m = decoder.decode(taggedJpeg(2), 0);
        assertEquals(40, m.width());
        assertTrue(Images.near(Images.at(m, 34, 10), Images.RED, 40), "stored left is now on the right");
        m.release();
    }

    @Test
    void rotatesReducedDecodesToo() {
        byte[] big = Exif.withOrientation(OpenCv.encode(Images.redLeftBlueRight(1600, 800), ".jpg"), 6);
        Mat m = decoder.decode(big, 28);
        assertEquals(200, m.width(), "decoded at 1/4 and rotated");
        assertEquals(400, m.height());
        assertTrue(Images.near(Images.at(m, 100, 50), Images.RED, 40));
        m.release();
    }

    @Test
    void ignoresMalformedExifRatherThanFailing() {
        byte[] jpeg = taggedJpeg(6);
        jpeg[2 + 4 + 6] = 'X'; // break the TIFF byte-order mark inside the APP1 segment
        assertEquals(1, ImageHeader.read(jpeg).orientation());
        Mat m = decoder.decode(jpeg, 0);
        assertEquals(40, m.width());
        m.release();
    }
}
