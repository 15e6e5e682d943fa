package io.producttagger.vision;

import java.nio.charset.StandardCharsets;

/**
 * Reads width, height, transparency and EXIF orientation from the first bytes of each supported format by
 * hand, so the size guard runs before any decoder allocates pixels. Every read is bounds-checked: a short
 * or malformed header is {@link VisionException.Corrupt}, unknown magic is
 * {@link VisionException.UnsupportedFormat}.
 */
final class HeaderParser {

    private HeaderParser() {}

    static ImageHeader parse(byte[] b) {
        if (b == null || b.length == 0) {
            throw new VisionException.Empty("the image is empty (0 bytes); send the file's contents");
        }
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
            return jpeg(b);
        }
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return png(b);
        }
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
            return webp(b);
        }
        if (startsWith(b, 0, 'G', 'I', 'F', '8')) {
            return gif(b);
        }
        if (startsWith(b, 0, 'B', 'M')) {
            return bmp(b);
        }
        if (startsWith(b, 0, 'I', 'I', 42, 0) || startsWith(b, 0, 'M', 'M', 0, 42)) {
            return tiff(b);
        }
        if (startsWith(b, 0, 'I', 'I', 43, 0) || startsWith(b, 0, 'M', 'M', 0, 43)) {
            throw new VisionException.UnsupportedFormat("BigTIFF images are not supported; send "
                    + ImageFormat.SUPPORTED, VisionException.Reason.UNSUPPORTED_FORMAT);
        }
        if (b.length >= 12 && startsWith(b, 4, 'f', 't', 'y', 'p')) {
            String brand = new String(b, 8, 4, StandardCharsets.ISO_8859_1);
            throw new VisionException.UnsupportedFormat("HEIF/AVIF images ('" + brand.trim()
                    + "') are not supported; convert to " + ImageFormat.SUPPORTED,
                    VisionException.Reason.UNSUPPORTED_FORMAT);
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            hex.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xFF));
        }
        throw new VisionException.UnsupportedFormat("the data is not a supported image (" + ImageFormat.SUPPORTED
                + "); it starts with bytes " + hex, VisionException.Reason.UNSUPPORTED_FORMAT);
    }

    // ---- JPEG: walk the marker segments to the first start-of-scan; size from SOFn, orientation from APP1.

    private static ImageHeader jpeg(byte[] b) {
        int width = 0;
        int height = 0;
        int orientation = 1;
        int i = 2;
        int sos = -1;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                throw corrupt(ImageFormat.JPEG, "a marker was expected at byte " + i);
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                i += 2;
                continue;
            }
            if (marker == 0xD9) {
                break;
            }
            int len = Exif.u16(b, i + 2, false);
            if (len < 2 || i + 2 + len > b.length) {
                throw truncated(ImageFormat.JPEG, "its headers are cut off");
            }
            if (marker == 0xE1 && len >= 16 && startsWith(b, i + 4, 'E', 'x', 'i', 'f', 0, 0)) {
                orientation = Exif.orientation(b, i + 10, len - 8);
            } else if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
                    && len >= 8) {
                height = Exif.u16(b, i + 5, false);
                width = Exif.u16(b, i + 7, false);
            } else if (marker == 0xDA) {
                sos = i + 2 + len;
                break;
            }
            i += 2 + len;
        }
        if (width == 0 || height == 0) {
            throw corrupt(ImageFormat.JPEG, "it has no frame header with its size");
        }
        if (sos < 0) {
            throw truncated(ImageFormat.JPEG, "it has no image data");
        }
        // OpenCV returns a full-size image of junk for a truncated JPEG, so insist on the end-of-image
        // marker. Entropy-coded data never contains FF D9 (FF is stuffed as FF 00), and an EXIF thumbnail's
        // FF D9 lies before the first scan, so the last FF D9 after the first scan is the real end.
        boolean eoi = false;
        for (int p = b.length - 2; p >= sos; p--) {
            if ((b[p] & 0xFF) == 0xFF && (b[p + 1] & 0xFF) == 0xD9) {
                eoi = true;
                break;
            }
        }
        if (!eoi) {
            throw truncated(ImageFormat.JPEG, "it ends without the end-of-image marker (FF D9)");
        }
        return new ImageHeader(ImageFormat.JPEG, width, height, false, orientation);
    }

    // ---- PNG: IHDR gives size and color type; tRNS means transparency; eXIf carries an orientation.

    private static ImageHeader png(byte[] b) {
        if (b.length < 33 || !startsWith(b, 12, 'I', 'H', 'D', 'R')) {
            throw truncated(ImageFormat.PNG, "its IHDR header is missing");
        }
        long w = Exif.u32(b, 16, false);
        long h = Exif.u32(b, 20, false);
        int colorType = b[25] & 0xFF;
        boolean alpha = colorType == 4 || colorType == 6;
        int orientation = 1;
        int p = 8;
        while (p + 8 <= b.length) {
            long len = Exif.u32(b, p, false);
            if (len > b.length - p - 12L) {
                break;
            }
            if (startsWith(b, p + 4, 't', 'R', 'N', 'S')) {
                alpha = true;
            } else if (startsWith(b, p + 4, 'e', 'X', 'I', 'f')) {
                orientation = Exif.orientation(b, p + 8, (int) len);
            } else if (startsWith(b, p + 4, 'I', 'D', 'A', 'T') || startsWith(b, p + 4, 'I', 'E', 'N', 'D')) {
                break;
            }
            p += 12 + (int) len;
        }
        return header(ImageFormat.PNG, w, h, alpha, orientation);
    }

    // ---- WebP: simple lossy (VP8), simple lossless (VP8L) or extended (VP8X) with flags and chunks.

    private static ImageHeader webp(byte[] b) {
        if (b.length < 30) {
            throw truncated(ImageFormat.WEBP, "its header is cut off");
        }
        if (startsWith(b, 12, 'V', 'P', '8', ' ')) {
            if (!startsWith(b, 23, 0x9D, 0x01, 0x2A)) {
                throw corrupt(ImageFormat.WEBP, "its VP8 frame header has no start code");
            }
            return header(ImageFormat.WEBP, Exif.u16(b, 26, true) & 0x3FFF, Exif.u16(b, 28, true) & 0x3FFF, false,
                    1);
        }
        if (startsWith(b, 12, 'V', 'P', '8', 'L')) {
            if ((b[20] & 0xFF) != 0x2F) {
                throw corrupt(ImageFormat.WEBP, "its VP8L header has no signature");
            }
            long bits = Exif.u32(b, 21, true);
            return header(ImageFormat.WEBP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1,
                    ((bits >> 28) & 1) != 0, 1);
        }
        if (startsWith(b, 12, 'V', 'P', '8', 'X')) {
            int flags = b[20] & 0xFF;
            if ((flags & 0x02) != 0) {
                throw new VisionException.UnsupportedFormat("animated WebP images are not supported; send a still "
                        + "image (" + ImageFormat.SUPPORTED + ")", VisionException.Reason.UNSUPPORTED_FORMAT);
            }
            long w = 1 + u24le(b, 24);
            long h = 1 + u24le(b, 27);
            int orientation = 1;
            int p = 12;
            while (p + 8 <= b.length) {
                long len = Exif.u32(b, p + 4, true);
                if (len > b.length - p - 8L) {
                    break;
                }
                if (startsWith(b, p, 'E', 'X', 'I', 'F')) {
                    int skip = startsWith(b, p + 8, 'E', 'x', 'i', 'f', 0, 0) ? 6 : 0;
                    orientation = Exif.orientation(b, p + 8 + skip, (int) len - skip);
                    break;
                }
                p += 8 + (int) len + (int) (len & 1);
            }
            return header(ImageFormat.WEBP, w, h, (flags & 0x10) != 0, orientation);
        }
        throw corrupt(ImageFormat.WEBP, "its first chunk is neither VP8, VP8L nor VP8X");
    }

    // ---- GIF: logical screen size (frames are checked again by the reader before decoding).

    private static ImageHeader gif(byte[] b) {
        if (b.length < 13 || !(startsWith(b, 3, '8', '7', 'a') || startsWith(b, 3, '8', '9', 'a'))) {
            throw truncated(ImageFormat.GIF, "its header is cut off");
        }
        return header(ImageFormat.GIF, Exif.u16(b, 6, true), Exif.u16(b, 8, true), true, 1);
    }

    // ---- BMP: BITMAPCOREHEADER (12 bytes, 16-bit sides) or BITMAPINFOHEADER and later (signed 32-bit sides).

    private static ImageHeader bmp(byte[] b) {
        if (b.length < 26) {
            throw truncated(ImageFormat.BMP, "its header is cut off");
        }
        long dib = Exif.u32(b, 14, true);
        if (dib == 12) {
            return header(ImageFormat.BMP, Exif.u16(b, 18, true), Exif.u16(b, 20, true), false, 1);
        }
        if (dib < 40) {
            throw corrupt(ImageFormat.BMP, "its info header has an unknown size (" + dib + " bytes)");
        }
        int w = (int) Exif.u32(b, 18, true);
        int h = (int) Exif.u32(b, 22, true);
        // A negative height means rows are stored top-down; alpha in 32-bit BMPs is too often garbage to trust.
        return header(ImageFormat.BMP, w, h == Integer.MIN_VALUE ? 0 : Math.abs(h), false, 1);
    }

    // ---- TIFF: the first IFD (the only page decoded).

    private static ImageHeader tiff(byte[] b) {
        boolean little = b[0] == 'I';
        long ifd = b.length >= 8 ? Exif.u32(b, 4, little) : 0;
        if (ifd < 8 || ifd + 2 > b.length) {
            throw truncated(ImageFormat.TIFF, "its first directory is missing");
        }
        int p = (int) ifd;
        int entries = Exif.u16(b, p, little);
        p += 2;
        long w = 0;
        long h = 0;
        int samples = 1;
        int photometric = -1;
        boolean extra = false;
        int orientation = 1;
        for (int i = 0; i < entries; i++, p += 12) {
            if (p + 12 > b.length) {
                throw truncated(ImageFormat.TIFF, "its first directory is cut off");
            }
            int tag = Exif.u16(b, p, little);
            int type = Exif.u16(b, p + 2, little);
            long value = type == 3 ? Exif.u16(b, p + 8, little) : Exif.u32(b, p + 8, little);
            switch (tag) {
                case 256 -> w = value;
                case 257 -> h = value;
                case 262 -> photometric = (int) value;
                case 274 -> orientation = (int) value;
                case 277 -> samples = (int) value;
                case 338 -> extra = true;
                default -> { }
            }
        }
        boolean alpha = extra && ((photometric == 2 && samples >= 4) || (photometric <= 1 && samples >= 2));
        return header(ImageFormat.TIFF, w, h, alpha, orientation);
    }

    private static ImageHeader header(ImageFormat f, long w, long h, boolean alpha, int orientation) {
        if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw corrupt(f, "its header gives an impossible size of " + w + "x" + h + " pixels");
        }
        return new ImageHeader(f, (int) w, (int) h, alpha, orientation);
    }

    private static long u24le(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (long) (b[p + 2] & 0xFF) << 16;
    }

    private static boolean startsWith(byte[] b, int off, int... magic) {
        if (off + magic.length > b.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[off + i] & 0xFF) != (magic[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    static VisionException.Corrupt corrupt(ImageFormat f, String what) {
        return new VisionException.Corrupt("the " + f + " image is corrupt: " + what
                + "; re-export or re-upload the original file", VisionException.Reason.CORRUPT);
    }

    static VisionException.Corrupt truncated(ImageFormat f, String what) {
        return new VisionException.Corrupt("the " + f + " image is truncated: " + what
                + "; upload the complete file", VisionException.Reason.TRUNCATED);
    }
}
