package io.producttagger.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;

class ImageDecoderFormatsTest {

    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    private void assertRedLeftBlueRight(byte[] bytes, ImageFormat format, double tol) {
        assertEquals(format, decoder.inspect(bytes).format());
        Mat m = decoder.decode(bytes, 0);
        try {
            assertEquals(CvType.CV_8UC3, m.type());
            assertEquals(40, m.width());
            assertEquals(30, m.height());
            assertTrue(Images.near(Images.at(m, 5, 15), Images.RED, tol), "left is red");
            assertTrue(Images.near(Images.at(m, 34, 15), Images.BLUE, tol), "right is blue");
        } finally {
            m.release();
        }
    }

    @Test
    void decodesJpeg() {
        assertRedLeftBlueRight(OpenCv.encode(Images.redLeftBlueRight(40, 30), ".jpg"), ImageFormat.JPEG, 40);
    }

    @Test
    void decodesPng() {
        assertRedLeftBlueRight(OpenCv.encode(Images.redLeftBlueRight(40, 30), ".png"), ImageFormat.PNG, 0);
    }

    @Test
    void decodesLossyWebp() {
        assertRedLeftBlueRight(OpenCv.encode(Images.redLeftBlueRight(40, 30), ".webp",
                Imgcodecs.IMWRITE_WEBP_QUALITY, 90), ImageFormat.WEBP, 40);
    }

    @Test
    void decodesLosslessWebp() {
        assertRedLeftBlueRight(OpenCv.encode(Images.redLeftBlueRight(40, 30), ".webp",
                Imgcodecs.IMWRITE_WEBP_QUALITY, 101), ImageFormat.WEBP, 0);
    }

    @Test
    void decodesBmp() {
        assertRedLeftBlueRight(OpenCv.encode(Images.redLeftBlueRight(40, 30), ".bmp"), ImageFormat.BMP, 0);
    }

    @Test
    void decodesTiff() {
        assertRedLeftBlueRight(OpenCv.encode(Images.redLeftBlueRight(40, 30), ".tiff"), ImageFormat.TIFF, 0);
    }

    @Test
    void decodesGifThroughImageIo() {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, x < 20 ? 0xFF0000 : 0x0000FF);
            }
        }
        assertRedLeftBlueRight(Images.encodeImageIo(img, "gif"), ImageFormat.GIF, 0);
    }

    @Test
    void compositesTransparentGifPixelsOntoWhite() {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, x < 20 ? 0xFFFF0000 : 0x00000000);
            }
        }
        Mat m = decoder.decode(Images.encodeImageIo(img, "gif"), 0);
        assertTrue(Images.near(Images.at(m, 5, 15), Images.RED, 0));
        assertTrue(Images.near(Images.at(m, 34, 15), new Scalar(255, 255, 255), 0), "transparent is white");
        m.release();
    }

    @Test
    void decodesGrayscalePngAsThreeChannels() {
        Mat gray = new Mat(30, 40, CvType.CV_8UC1, new Scalar(77));
        Mat m = decoder.decode(OpenCv.encode(gray, ".png"), 0);
        assertEquals(CvType.CV_8UC3, m.type());
        assertTrue(Images.near(Images.at(m, 10, 10), new Scalar(77, 77, 77), 0));
        m.release();
    }

    @Test
    void decodesSixteenBitPngToEightBits() {
        Mat deep = new Mat(30, 40, CvType.CV_16UC3, new Scalar(0, 32896, 65535));
        byte[] png = OpenCv.encode(deep, ".png");
        assertEquals(16, png[24], "the fixture really is 16-bit");
        Mat m = decoder.decode(png, 0);
        assertEquals(CvType.CV_8UC3, m.type());
        assertTrue(Images.near(Images.at(m, 10, 10), new Scalar(0, 128, 255), 1));
        m.release();
    }

    @Test
    void compositesTransparentPngPixelsOntoWhite() {
        Mat rgba = new Mat(30, 40, CvType.CV_8UC4, new Scalar(0, 0, 0, 0)); // transparent black
        rgba.submat(0, 30, 0, 10).setTo(new Scalar(0, 0, 255, 255)); // opaque red
        rgba.submat(0, 30, 10, 20).setTo(new Scalar(0, 0, 255, 128)); // half-transparent red
        Mat m = decoder.decode(OpenCv.encode(rgba, ".png"), 0);
        assertTrue(Images.near(Images.at(m, 5, 5), Images.RED, 0), "opaque keeps its color");
        assertTrue(Images.near(Images.at(m, 15, 5), new Scalar(127, 127, 255), 1), "half blends with white");
        assertTrue(Images.near(Images.at(m, 30, 5), new Scalar(255, 255, 255), 0), "transparent becomes white");
        m.release();
    }

    @Test
    void compositesSixteenBitTransparentPngOntoWhite() {
        Mat rgba = new Mat(30, 40, CvType.CV_16UC4, new Scalar(0, 0, 0, 0));
        rgba.submat(0, 30, 0, 10).setTo(new Scalar(0, 0, 65535, 65535));
        Mat m = decoder.decode(OpenCv.encode(rgba, ".png"), 0);
        assertTrue(Images.near(Images.at(m, 5, 5), Images.RED, 1));
        assertTrue(Images.near(Images.at(m, 30, 5), new Scalar(255, 255, 255), 0));
        m.release();
    }

    @Test
    void compositesTransparentWebpPixelsOntoWhite() {
        Mat rgba = new Mat(30, 40, CvType.CV_8UC4, new Scalar(0, 0, 0, 0));
        rgba.submat(0, 30, 0, 20).setTo(new Scalar(0, 0, 255, 255));
        byte[] webp = OpenCv.encode(rgba, ".webp", Imgcodecs.IMWRITE_WEBP_QUALITY, 101);
        assertTrue(decoder.inspect(webp).alpha());
        Mat m = decoder.decode(webp, 0);
        assertTrue(Images.near(Images.at(m, 5, 5), Images.RED, 2));
        assertTrue(Images.near(Images.at(m, 35, 5), new Scalar(255, 255, 255), 2));
        m.release();
    }

    @Test
    void decodesCmykJpegWithCorrectColors() throws IOException {
        // Made with ImageMagick 6: convert -size 20x30 xc:red xc:blue +append -colorspace CMYK -quality 90
        // cmyk-red-blue.jpg (40x30, red left, blue right, stored as a CMYK JPEG).
        byte[] cmyk = Files.readAllBytes(Path.of("test-images/vision/cmyk-red-blue.jpg"));
        assertRedLeftBlueRight(cmyk, ImageFormat.JPEG, 40);
    }

    @Test
    void decodesA32BitFloatGrayscaleTiff() {
        Mat floats = new Mat(30, 40, CvType.CV_32FC1, new Scalar(0.5));
        floats.submat(0, 30, 0, 20).setTo(new Scalar(0.0));
        byte[] tiff = OpenCv.encode(floats, ".tiff");
        floats.release();
        Mat m = decoder.decode(tiff, 0);
        try {
            assertEquals(CvType.CV_8UC3, m.type());
            assertEquals(40, m.width());
            assertEquals(0, m.get(15, 5)[0], 1, "left is black");
            assertEquals(127, m.get(15, 34)[0], 2, "right is 0.5 of white");
        } finally {
            m.release();
        }
    }
}
