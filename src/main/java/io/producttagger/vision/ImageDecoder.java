package io.producttagger.vision;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.opencv.core.Core;
import org.opencv.core.CvException;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Decodes image bytes into an upright, opaque, 8-bit, 3-channel BGR {@link Mat}.
 *
 * <p>The header is read first ({@link ImageHeader#read}) so an image over the pixel limit is refused before
 * any decoder allocates; a JPEG without its end-of-image marker is refused as truncated (OpenCV would return
 * junk). JPEGs much larger than the model needs are decoded at 1/2, 1/4 or 1/8 size by libjpeg's DCT
 * scaling. EXIF orientation is applied here for every format (OpenCV is told to ignore it, because it does
 * so only for some formats and modes), transparency is composited onto white, and 16-bit, grayscale and
 * CMYK inputs come out as 8-bit BGR. GIF, which OpenCV cannot read, goes through the JDK's ImageIO.
 * Instances are immutable and thread-safe.
 */
public final class ImageDecoder {

    /** The default pixel limit: 40 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    /**
     * Reduced decoding keeps the shorter side at least this many times the model's input side, so trimming,
     * cropping and the final area resize still have detail to work with.
     */
    public static final int DETAIL_MARGIN = 4;

    private static final int[] REDUCED = {
        Imgcodecs.IMREAD_COLOR, Imgcodecs.IMREAD_REDUCED_COLOR_2, Imgcodecs.IMREAD_REDUCED_COLOR_4,
        Imgcodecs.IMREAD_REDUCED_COLOR_8
    };

    private final long maxPixels;

    /**
     * Creates a decoder.
     *
     * @param maxPixels images with more pixels than this are refused before decoding
     */
    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        OpenCv.load();
        this.maxPixels = maxPixels;
    }

    /** Returns the pixel limit. */
    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Reads and checks an image's header without decoding pixels.
     *
     * @throws VisionException when the image is empty, unsupported, corrupt, truncated or over the pixel limit
     */
    public ImageHeader inspect(byte[] bytes) {
        ImageHeader h = ImageHeader.read(bytes);
        checkSize(h.width(), h.height());
        return h;
    }

    /**
     * Returns how much the decoder shrinks an image while decoding it (1, 2, 4 or 8): only JPEGs are
     * reduced (libjpeg scales in the DCT; other formats would be decoded fully and then resized coarsely),
     * and never so far that the shorter side drops below {@link #DETAIL_MARGIN} times {@code targetSide}.
     *
     * @param targetSide the model's input side; 0 or less means full size
     */
    public static int reduction(ImageHeader header, int targetSide) {
        if (header.format() != ImageFormat.JPEG || targetSide <= 0) {
            return 1;
        }
        int shorter = Math.min(header.width(), header.height());
        long need = (long) DETAIL_MARGIN * targetSide;
        int factor = 1;
        while (factor < 8 && shorter / (factor * 2) >= need) {
            factor *= 2;
        }
        return factor;
    }

    /**
     * Decodes an image.
     *
     * @param bytes the encoded image
     * @param targetSide the largest side the model needs, a hint for reduced decoding (0 for full size)
     * @return an 8-bit BGR image the caller must release
     * @throws VisionException when the image is empty, unsupported, corrupt or too large
     */
    public Mat decode(byte[] bytes, int targetSide) {
        ImageHeader header = inspect(bytes);
        Mat decoded = header.format() == ImageFormat.GIF ? decodeWithImageIo(bytes, header)
                : decodeWithOpenCv(bytes, header, reduction(header, targetSide));
        Mat upright = Exif.upright(decoded, header.orientation());
        if (upright != decoded) {
            decoded.release();
        }
        return upright;
    }

    private Mat decodeWithOpenCv(byte[] bytes, ImageHeader header, int factor) {
        int flags = header.alpha() ? Imgcodecs.IMREAD_UNCHANGED
                : REDUCED[Integer.numberOfTrailingZeros(factor)] | Imgcodecs.IMREAD_IGNORE_ORIENTATION;
        MatOfByte buf = new MatOfByte(bytes);
        Mat m;
        try {
            m = Imgcodecs.imdecode(buf, flags);
        } catch (CvException e) {
            throw HeaderParser.corrupt(header.format(), "OpenCV could not decode it (" + firstLine(e) + ")");
        } finally {
            buf.release();
        }
        if (m.empty() && header.format() == ImageFormat.TIFF && !header.alpha()) {
            // libtiff's RGBA reader that IMREAD_COLOR uses refuses 32-bit samples (a float grayscale TIFF);
            // read unchanged, OpenCV returns the floats, which toOpaqueBgr scales to 8 bits
            m.release();
            MatOfByte again = new MatOfByte(bytes);
            try {
                m = Imgcodecs.imdecode(again, Imgcodecs.IMREAD_UNCHANGED);
            } catch (CvException e) {
                throw HeaderParser.corrupt(header.format(), "OpenCV could not decode it (" + firstLine(e) + ")");
            } finally {
                again.release();
            }
            if (!m.empty()) {
                return toOpaqueBgr(m);
            }
        }
        if (m.empty()) {
            m.release();
            throw HeaderParser.corrupt(header.format(), "its pixel data cannot be decoded");
        }
        return header.alpha() ? toOpaqueBgr(m) : m;
    }

    /** Turns what {@code IMREAD_UNCHANGED} gives (1-4 channels, 8 or 16 bits or floats) into opaque 8-bit BGR. */
    private static Mat toOpaqueBgr(Mat m) {
        Mat cur = m;
        if (cur.depth() != CvType.CV_8U) {
            Mat eight = new Mat();
            // floating-point samples are 0..1 (values outside saturate)
            double scale = cur.depth() == CvType.CV_16U ? 1 / 257.0
                    : cur.depth() == CvType.CV_32F || cur.depth() == CvType.CV_64F ? 255 : 1;
            cur.convertTo(eight, CvType.CV_8U, scale);
            cur.release();
            cur = eight;
        }
        List<Mat> planes = new ArrayList<>();
        Core.split(cur, planes);
        Mat alpha = null;
        Mat bgr = new Mat();
        switch (planes.size()) {
            case 1 -> Imgproc.cvtColor(cur, bgr, Imgproc.COLOR_GRAY2BGR);
            case 2 -> {
                Core.merge(List.of(planes.get(0), planes.get(0), planes.get(0)), bgr);
                alpha = planes.get(1);
            }
            case 3 -> cur.copyTo(bgr);
            default -> {
                Core.merge(planes.subList(0, 3), bgr);
                alpha = planes.get(3);
            }
        }
        cur.release();
        if (alpha != null) {
            // out = 255 - (255 - c) * a / 255: the color where opaque, white where transparent.
            Mat a3 = new Mat();
            Core.merge(List.of(alpha, alpha, alpha), a3);
            Core.bitwise_not(bgr, bgr);
            Core.multiply(bgr, a3, bgr, 1 / 255.0);
            Core.bitwise_not(bgr, bgr);
            a3.release();
        }
        planes.forEach(Mat::release);
        return bgr;
    }

    private Mat decodeWithImageIo(byte[] bytes, ImageHeader header) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(header.format().name().toLowerCase(java.util.Locale.ROOT));
        if (!readers.hasNext()) {
            throw new VisionException.UnsupportedFormat("no " + header.format() + " reader is installed",
                    VisionException.Reason.UNSUPPORTED_FORMAT);
        }
        ImageReader reader = readers.next();
        // A memory stream: ImageIO's default would cache to a temporary file.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            checkSize(reader.getWidth(0), reader.getHeight(0));
            BufferedImage src = reader.read(0);
            BufferedImage bgr = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = bgr.createGraphics();
            try {
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, bgr.getWidth(), bgr.getHeight());
                g.drawImage(src, 0, 0, null);
            } finally {
                g.dispose();
            }
            byte[] pixels = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
            Mat m = new Mat(bgr.getHeight(), bgr.getWidth(), CvType.CV_8UC3);
            m.put(0, 0, pixels);
            return m;
        } catch (IOException | RuntimeException e) {
            if (e instanceof VisionException ve) {
                throw ve;
            }
            throw HeaderParser.corrupt(header.format(), "its data cannot be decoded (" + e.getMessage() + ")");
        } finally {
            reader.dispose();
        }
    }

    private void checkSize(long width, long height) {
        if (width * height > maxPixels) {
            throw new VisionException.TooLarge("image is " + width + "x" + height + " pixels; the limit is "
                    + megapixels(maxPixels) + " megapixels (vision.max-pixels, TAGGER_VISION_MAX_PIXELS)");
        }
    }

    private static String megapixels(long pixels) {
        return new BigDecimal(pixels).movePointLeft(6).stripTrailingZeros().toPlainString();
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
