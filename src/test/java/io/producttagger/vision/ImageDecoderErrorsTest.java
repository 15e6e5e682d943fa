package io.producttagger.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageDecoderErrorsTest {

    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    @Test
    void refusesNoBytesAsEmpty() {
        VisionException e = assertThrows(VisionException.Empty.class, () -> decoder.decode(new byte[0], 28));
        assertEquals("the image is empty (0 bytes); send the file's contents", e.getMessage());
        assertEquals("empty", e.reason().code());
    }

    @Test
    void refusesNullAsEmpty() {
        assertThrows(VisionException.Empty.class, () -> decoder.decode(null, 28));
    }

    @Test
    void refusesGarbageAsUnsupportedNamingItsFirstBytes() {
        byte[] html = "<html><body>not an image</body></html>".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        VisionException e = assertThrows(VisionException.UnsupportedFormat.class, () -> decoder.decode(html, 28));
        assertEquals("the data is not a supported image (JPEG, PNG, WebP, BMP, TIFF or GIF); it starts with bytes"
                + " 3c 68 74 6d 6c 3e 3c 62", e.getMessage());
    }

    @Test
    void refusesHeicAsUnsupported() {
        byte[] heic = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0};
        VisionException e = assertThrows(VisionException.UnsupportedFormat.class, () -> decoder.decode(heic, 28));
        assertTrue(e.getMessage().startsWith("HEIF/AVIF images ('heic') are not supported"), e.getMessage());
    }

    @Test
    void refusesTruncatedJpegMissingItsEndMarker() {
        byte[] jpeg = OpenCv.encode(Images.redLeftBlueRight(200, 100), ".jpg");
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 2 / 3);
        VisionException e = assertThrows(VisionException.Corrupt.class, () -> decoder.decode(cut, 28));
        assertEquals("the JPEG image is truncated: it ends without the end-of-image marker (FF D9); upload the"
                + " complete file", e.getMessage());
        assertEquals(VisionException.Reason.TRUNCATED, e.reason());
    }

    @Test
    void refusesJpegCutInsideItsHeaders() {
        byte[] jpeg = OpenCv.encode(Images.redLeftBlueRight(200, 100), ".jpg");
        VisionException e = assertThrows(VisionException.Corrupt.class,
                () -> decoder.decode(Arrays.copyOf(jpeg, 30), 28));
        assertEquals(VisionException.Reason.TRUNCATED, e.reason());
    }

    @Test
    void refusesTruncatedPngAsCorrupt() {
        byte[] png = OpenCv.encode(Images.redLeftBlueRight(200, 100), ".png");
        VisionException e = assertThrows(VisionException.Corrupt.class,
                () -> decoder.decode(Arrays.copyOf(png, png.length / 2), 28));
        assertEquals("the PNG image is corrupt: its pixel data cannot be decoded; re-export or re-upload the"
                + " original file", e.getMessage());
    }

    @Test
    void refusesPngWithOnlyItsSignatureAsTruncated() {
        byte[] png = OpenCv.encode(Images.redLeftBlueRight(20, 10), ".png");
        assertThrows(VisionException.Corrupt.class, () -> decoder.decode(Arrays.copyOf(png, 12), 28));
    }

    @Test
    void refusesGifWithBrokenDataAsCorrupt() {
        byte[] gif = {'G', 'I', 'F', '8', '9', 'a', 10, 0, 10, 0, 0, 0, 0, 1, 2, 3};
        assertThrows(VisionException.Corrupt.class, () -> decoder.decode(gif, 28));
    }
}
