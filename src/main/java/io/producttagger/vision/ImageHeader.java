package io.producttagger.vision;

/**
 * What an image's header says, read without decoding any pixel data.
 *
 * @param format the format recognised from the magic bytes
 * @param width pixels across as stored (before EXIF orientation)
 * @param height pixels down as stored (before EXIF orientation)
 * @param alpha whether the image may carry transparency that must be composited onto white
 * @param orientation the EXIF orientation (1..8; 1 when absent or unreadable)
 */
public record ImageHeader(ImageFormat format, int width, int height, boolean alpha, int orientation) {

    /** Validates the values. */
    public ImageHeader {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image sides must be positive: " + width + "x" + height);
        }
        if (orientation < 1 || orientation > 8) {
            orientation = 1;
        }
    }

    /** Returns width times height. */
    public long pixels() {
        return (long) width * height;
    }

    /**
     * Reads the header of encoded image bytes.
     *
     * @throws VisionException.Empty when there are no bytes
     * @throws VisionException.UnsupportedFormat when the magic bytes are not a supported format
     * @throws VisionException.Corrupt when the format is known but its header is missing or malformed
     */
    public static ImageHeader read(byte[] bytes) {
        return HeaderParser.parse(bytes);
    }
}
