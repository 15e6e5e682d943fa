package io.producttagger.vision;

/** The image formats the decoder accepts, recognised from their first bytes (never from a file name). */
public enum ImageFormat {
    /** JPEG / JFIF / EXIF, baseline or progressive, YCbCr, grayscale or CMYK. */
    JPEG,
    /** PNG, 8- or 16-bit, grayscale, palette or RGB, with or without alpha. */
    PNG,
    /** WebP, lossy or lossless, still images only. */
    WEBP,
    /** Windows bitmap. */
    BMP,
    /** TIFF; only the first page is decoded. */
    TIFF,
    /** GIF; only the first frame is decoded, through the JDK's ImageIO as OpenCV has no GIF decoder. */
    GIF;

    /** The formats as people name them, for messages. */
    static final String SUPPORTED = "JPEG, PNG, WebP, BMP, TIFF or GIF";
}
