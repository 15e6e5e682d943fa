package io.producttagger.vision;

import org.opencv.core.Core;
import org.opencv.core.Mat;

/** EXIF orientation: reading tag 0x0112, undoing it on pixels, and tagging a JPEG with it. */
public final class Exif {

    private static final int ORIENTATION_TAG = 0x0112;

    private Exif() {}

    /**
     * Reads the orientation from TIFF-structured bytes (the body of a JPEG APP1 "Exif" segment after its
     * six-byte prefix, a PNG eXIf chunk, a WebP EXIF chunk, or a whole TIFF file).
     *
     * @return 1..8, or 1 when absent or malformed (a broken tag must never make an image unreadable)
     */
    static int orientation(byte[] b, int off, int len) {
        int end = Math.min(b.length, off + len);
        if (off < 0 || off + 8 > end) {
            return 1;
        }
        boolean little;
        if (b[off] == 'I' && b[off + 1] == 'I') {
            little = true;
        } else if (b[off] == 'M' && b[off + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(b, off + 2, little) != 42) {
            return 1;
        }
        long ifd = u32(b, off + 4, little);
        if (ifd < 8 || off + ifd + 2 > end) {
            return 1;
        }
        int p = (int) (off + ifd);
        int entries = u16(b, p, little);
        p += 2;
        for (int i = 0; i < entries && p + 12 <= end; i++, p += 12) {
            if (u16(b, p, little) == ORIENTATION_TAG) {
                int v = u16(b, p + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    /** Returns an upright copy of {@code m} for the given EXIF orientation, or {@code m} itself for 1. */
    static Mat upright(Mat m, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return m;
        }
        Mat out = new Mat();
        switch (orientation) {
            case 2 -> Core.flip(m, out, 1);
            case 3 -> Core.rotate(m, out, Core.ROTATE_180);
            case 4 -> Core.flip(m, out, 0);
            case 5 -> Core.transpose(m, out);
            case 6 -> Core.rotate(m, out, Core.ROTATE_90_CLOCKWISE);
            case 7 -> {
                Mat t = new Mat();
                Core.transpose(m, t);
                Core.flip(t, out, -1);
                t.release();
            }
            default -> Core.rotate(m, out, Core.ROTATE_90_COUNTERCLOCKWISE);
        }
        return out;
    }

    /**
     * Returns a copy of a JPEG with an APP1 EXIF segment holding only the given orientation, inserted right
     * after the start-of-image marker (for test fixtures and synthetic photo sets).
     *
     * @param orientation 1..8 as EXIF defines it (6: the viewer rotates 90 degrees clockwise)
     */
    public static byte[] withOrientation(byte[] jpeg, int orientation) {
        if (jpeg.length < 2 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
            throw new IllegalArgumentException("not a JPEG");
        }
        if (orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + orientation);
        }
        byte[] tiff = {
            'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD0 at offset 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, // Orientation, SHORT, count 1, value
            0, 0, 0, 0 // no next IFD
        };
        int len = 2 + 6 + tiff.length;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(jpeg.length + len + 2);
        out.write(jpeg, 0, 2);
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len, 'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    static int u16(byte[] b, int p, boolean little) {
        return little ? (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 : (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
    }

    static long u32(byte[] b, int p, boolean little) {
        long lo = u16(b, little ? p : p + 2, little);
        long hi = u16(b, little ? p + 2 : p, little);
        return hi << 16 | lo;
    }
}
