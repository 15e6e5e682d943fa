package io.producttagger.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;

class ImageDecoderGuardTest {

    /** Reading a header takes microseconds; decoding 30000x30000 would take seconds and gigabytes. */
    private static final Duration FAST = Duration.ofSeconds(1);

    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    /** A PNG whose IHDR claims the given size, followed by a tiny IDAT and IEND. */
    private static byte[] pngClaiming(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, width);
        putInt(ihdr, 4, height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 3, 0, 0, 0, 0, 1});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] len = new byte[4];
        putInt(len, 0, data.length);
        out.writeBytes(len);
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.writeBytes(c);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** A real 8x8 JPEG with the size in its SOF0 rewritten to claim {@code side} x {@code side}. */
    private static byte[] jpegClaiming(int side) {
        byte[] jpeg = OpenCv.encode(Images.redLeftBlueRight(8, 8), ".jpg");
        for (int i = 2; i < jpeg.length - 9; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 5] = (byte) (side >> 8);
                jpeg[i + 6] = (byte) side;
                jpeg[i + 7] = (byte) (side >> 8);
                jpeg[i + 8] = (byte) side;
                return jpeg;
            }
        }
        throw new IllegalStateException("no SOF0 in the fixture");
    }

    @Test
    void refusesPngBombFromHeaderWithoutDecoding() {
        byte[] bomb = pngClaiming(30000, 30000);
        assertTrue(bomb.length < 100, "the fixture is tiny");
        VisionException.TooLarge e = assertTimeoutPreemptively(FAST,
                () -> assertThrows(VisionException.TooLarge.class, () -> decoder.decode(bomb, 28)));
        assertEquals("image is 30000x30000 pixels; the limit is 40 megapixels (vision.max-pixels,"
                + " TAGGER_VISION_MAX_PIXELS)", e.getMessage());
        assertEquals(VisionException.Reason.TOO_LARGE, e.reason());
    }

    @Test
    void refusesJpegBombFromHeaderWithoutDecoding() {
        byte[] bomb = jpegClaiming(30000);
        assertEquals(30000, ImageHeader.read(bomb).width());
        assertTimeoutPreemptively(FAST,
                () -> assertThrows(VisionException.TooLarge.class, () -> decoder.decode(bomb, 28)));
    }

    @Test
    void namesTheLimitAndItsSettingInTheMessage() {
        VisionException e = assertThrows(VisionException.TooLarge.class,
                () -> new ImageDecoder(2_500_000).inspect(pngClaiming(41000, 41000)));
        assertEquals("image is 41000x41000 pixels; the limit is 2.5 megapixels (vision.max-pixels,"
                + " TAGGER_VISION_MAX_PIXELS)", e.getMessage());
    }

    @Test
    void acceptsImageExactlyAtTheLimit() {
        byte[] png = OpenCv.encode(Images.redLeftBlueRight(40, 30), ".png");
        Mat m = new ImageDecoder(1200).decode(png, 0);
        assertEquals(40, m.width());
        m.release();
        assertThrows(VisionException.TooLarge.class, () -> new ImageDecoder(1199).decode(png, 0));
    }

    @Test
    void choosesEighthSizeForTwelveMegapixelJpeg() {
        ImageHeader h = new ImageHeader(ImageFormat.JPEG, 4000, 3000, false, 1);
        assertEquals(8, ImageDecoder.reduction(h, 28));
    }

    @Test
    void keepsFourTimesTheTargetSideWhenReducing() {
        assertEquals(4, ImageDecoder.reduction(new ImageHeader(ImageFormat.JPEG, 1155, 866, false, 1), 28));
        assertEquals(2, ImageDecoder.reduction(new ImageHeader(ImageFormat.JPEG, 4000, 3000, false, 1), 224));
        assertEquals(2, ImageDecoder.reduction(new ImageHeader(ImageFormat.JPEG, 400, 300, false, 1), 28));
        assertEquals(1, ImageDecoder.reduction(new ImageHeader(ImageFormat.JPEG, 200, 150, false, 1), 28));
    }

    @Test
    void neverReducesOtherFormatsOrWithoutTarget() {
        assertEquals(1, ImageDecoder.reduction(new ImageHeader(ImageFormat.PNG, 4000, 3000, false, 1), 28));
        assertEquals(1, ImageDecoder.reduction(new ImageHeader(ImageFormat.JPEG, 4000, 3000, false, 1), 0));
    }

    @Test
    void decodesBigJpegAtReducedSize() {
        byte[] jpeg = OpenCv.encode(Images.redLeftBlueRight(2400, 1800), ".jpg");
        Mat reduced = decoder.decode(jpeg, 28);
        assertEquals(300, reduced.width(), "1/8 keeps 225 >= 4 x 28 on the shorter side");
        assertEquals(225, reduced.height());
        assertTrue(Images.near(Images.at(reduced, 10, 100), Images.RED, 40));
        reduced.release();
        Mat full = decoder.decode(jpeg, 0);
        assertEquals(2400, full.width());
        full.release();
    }
}
