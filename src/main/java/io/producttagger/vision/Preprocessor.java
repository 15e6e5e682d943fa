package io.producttagger.vision;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Runs the preprocessing steps a model manifest declares on a decoded 8-bit BGR image and produces the
 * model's float CHW input (RGB order for three channels).
 *
 * <p>Each operation is one entry of {@link #OPERATIONS}: adding a step means adding one entry. The last
 * declared step, {@code normalize}, turns the pixels into floats.
 */
public final class Preprocessor {
    /**
     * Trim edges close to the background color ({@code tolerance}: max channel difference, default 24), then
     * white-balance so a light background becomes white ({@code whiten}, default 1; 0 to keep colors).
     */
    public static final String TRIM_BORDER = "trim_border";
    /** Resize so the longest edge has {@code size} pixels (area interpolation, i.e. subsampling). */
    public static final String RESIZE_LONGEST = "resize_longest";
    /** Unsharp mask: {@code (1 + amount) * img - amount * gaussian(img, sigma)}. */
    public static final String SHARPEN = "sharpen";
    /** Pad to a centred {@code size} x {@code size} square with {@code fill} (default 255, white). */
    public static final String PAD_SQUARE = "pad_square";
    /** Invert intensities. */
    public static final String NEGATE = "negate";
    /**
     * Convert to one 8-bit channel spanning the full range, darkest pixel 0 and brightest 255
     * ({@code stretch}, default 1; 0 for a plain luminance conversion).
     */
    public static final String GRAYSCALE = "grayscale";
    /**
     * Stretch contrast so the luminance spans 0 to 255, every channel mapped by the same linear function: the
     * colour counterpart of {@code grayscale}'s stretch: the luminance of the result is the stretched gray, except
     * where a channel brighter than the luminance saturates.
     */
    public static final String STRETCH = "stretch";
    /** Resize so the shorter edge has {@code size} pixels (area interpolation down, bilinear up). */
    public static final String RESIZE_SHORTER = "resize_shorter";
    /** Cut the centred {@code width} x {@code height} window (edge pixels repeated where the image is smaller). */
    public static final String CENTER_CROP = "center_crop";

    /** One operation: takes the image and its step, returns a new image (the input is released by the caller). */
    private static final Map<String, BiFunction<Mat, PreprocessingStep, Mat>> OPERATIONS = Map.of(
            TRIM_BORDER, Preprocessor::trimBorder,
            RESIZE_LONGEST, Preprocessor::resizeLongest,
            SHARPEN, Preprocessor::sharpen,
            PAD_SQUARE, Preprocessor::padSquare,
            NEGATE, (m, s) -> {
                Mat out = new Mat();
                Core.bitwise_not(m, out);
                return out;
            },
            GRAYSCALE, Preprocessor::grayscale,
            STRETCH, Preprocessor::stretch,
            RESIZE_SHORTER, Preprocessor::resizeShorter,
            CENTER_CROP, Preprocessor::centerCrop);

    private final List<PreprocessingStep> steps;
    private final Normalization normalization;
    private final int width;
    private final int height;
    private final int channels;

    /**
     * Validates the declared steps against the known operations.
     *
     * @throws IllegalArgumentException on an unknown operation or a missing final {@code normalize}
     */
    public Preprocessor(List<PreprocessingStep> declared, int width, int height, int channels) {
        this.width = width;
        this.height = height;
        this.channels = channels;
        List<PreprocessingStep> ops = new ArrayList<>();
        Normalization norm = null;
        for (int i = 0; i < declared.size(); i++) {
            PreprocessingStep s = declared.get(i);
            if (Normalization.OP.equals(s.op())) {
                if (i != declared.size() - 1) {
                    throw new IllegalArgumentException("'normalize' must be the last preprocessing step");
                }
                norm = Normalization.from(s, channels);
            } else if (!OPERATIONS.containsKey(s.op())) {
                throw new IllegalArgumentException("unknown preprocessing step '" + s.op() + "'; known: "
                        + new java.util.TreeSet<>(OPERATIONS.keySet()) + " and normalize");
            } else {
                ops.add(s);
            }
        }
        this.steps = List.copyOf(ops);
        this.normalization = norm != null ? norm : Normalization.from(PreprocessingStep.of(Normalization.OP), channels);
    }

    /**
     * The longest side the steps need from the decoder, a hint for reduced-size decoding: the model's input
     * side, or a larger size a step declares (e.g. {@code resize_shorter} 256 before a 224 crop).
     */
    public int targetSide() {
        int side = Math.max(width, height);
        for (PreprocessingStep s : steps) {
            for (String key : List.of("size", "width", "height")) {
                side = Math.max(side, (int) s.number(key, 0));
            }
        }
        return side;
    }

    /** Returns the number of floats in one tensor: width x height x channels. */
    public int inputSize() {
        return width * height * channels;
    }

    /** Applies the steps to a BGR image (not modified) and returns the normalised CHW tensor. */
    public float[] apply(Mat bgr) {
        byte[] pixels = pixels(bgr);
        float[] out = new float[pixels.length];
        normalization.toChw(pixels, 0, width, height, out, 0);
        return out;
    }

    /** Returns the declared normalisation, the one step {@link #pixels} leaves out. */
    public Normalization normalization() {
        return normalization;
    }

    /**
     * Applies every declared step except {@code normalize} to a BGR image (not modified) and returns the
     * 8-bit interleaved pixels at input size (RGB order for three channels): what training augments before
     * it normalises, so training and serving share this one path.
     */
    public byte[] pixels(Mat bgr) {
        Mat cur = bgr;
        try {
            for (PreprocessingStep s : steps) {
                Mat next = OPERATIONS.get(s.op()).apply(cur, s);
                if (cur != bgr) {
                    cur.release();
                }
                cur = next;
            }
            if (cur.width() != width || cur.height() != height) {
                Mat sized = new Mat();
                Imgproc.resize(cur, sized, new Size(width, height), 0, 0, Imgproc.INTER_AREA);
                if (cur != bgr) {
                    cur.release();
                }
                cur = sized;
            }
            if (cur.channels() != channels) {
                Mat conv = new Mat();
                Imgproc.cvtColor(cur, conv, channels == 1 ? Imgproc.COLOR_BGR2GRAY : Imgproc.COLOR_GRAY2BGR);
                if (cur != bgr) {
                    cur.release();
                }
                cur = conv;
            }
            if (channels == 3) {
                Mat rgb = new Mat();
                Imgproc.cvtColor(cur, rgb, Imgproc.COLOR_BGR2RGB);
                if (cur != bgr) {
                    cur.release();
                }
                cur = rgb;
            }
            Mat cont = cur.isContinuous() ? cur : cur.clone();
            byte[] pixels = new byte[width * height * channels];
            cont.get(0, 0, pixels);
            if (cont != cur) {
                cont.release();
            }
            return pixels;
        } finally {
            if (cur != bgr) {
                cur.release();
            }
        }
    }

    /**
     * Trims edges close to the background color, then makes a light background white.
     *
     * <p>The background is the per-channel median of the four corner pixels rather than the top-left one
     * alone, so one corner touched by the product, a JPEG block artifact or a vignette does not decide it
     * (Xiao et al. trim "edges close to the color of the corner pixels"). The photos behind Fashion-MNIST
     * were shot on white: its backgrounds are exactly 0 after negation. A photo on a tinted or grey backdrop
     * would otherwise keep that tint inside the trimmed box while {@code pad_square} adds pure white around
     * it, leaving a visible frame the model never saw; dividing each channel by the background color (a
     * white balance on the backdrop) removes both.
     */
    private static Mat trimBorder(Mat m, PreprocessingStep s) {
        double tol = s.number("tolerance", 24);
        boolean whiten = s.number("whiten", 1) != 0;
        Scalar background = cornerColor(m);
        Rect box = foregroundBox(m, background, tol);
        Mat trimmed = box == null ? m.clone() : m.submat(box).clone();
        double darkest = 255;
        for (int c = 0; c < m.channels(); c++) {
            darkest = Math.min(darkest, background.val[c]);
        }
        if (!whiten || darkest < 128) {
            return trimmed;
        }
        double[] gain = new double[4];
        for (int c = 0; c < 4; c++) {
            gain[c] = c < m.channels() ? 255 / Math.max(1, background.val[c]) : 1;
        }
        Mat out = new Mat();
        Core.multiply(trimmed, new Scalar(gain), out);
        trimmed.release();
        return out;
    }

    /** The bounding box of pixels differing from the background by more than {@code tol}, or null if none. */
    private static Rect foregroundBox(Mat m, Scalar background, double tol) {
        Mat diff = new Mat();
        Core.absdiff(m, background, diff);
        Mat gray = new Mat();
        if (diff.channels() > 1) {
            List<Mat> planes = new ArrayList<>();
            Core.split(diff, planes);
            Mat max = planes.get(0);
            for (int i = 1; i < planes.size(); i++) {
                Core.max(max, planes.get(i), max);
            }
            max.copyTo(gray);
            planes.forEach(Mat::release);
        } else {
            diff.copyTo(gray);
        }
        diff.release();
        Mat mask = new Mat();
        Imgproc.threshold(gray, mask, tol, 255, Imgproc.THRESH_BINARY);
        gray.release();
        Rect box = Imgproc.boundingRect(mask);
        mask.release();
        return box.width == 0 || box.height == 0 ? null : box;
    }

    /**
     * Converts to one channel and, unless {@code stretch} is 0, stretches it to the full 8-bit range. Every
     * one of Fashion-MNIST's 10,000 test images spans 0 to at least 250 (measured), whether the product was
     * black or pale: the data set's final "8-bit grayscale" conversion used the whole range. Without the
     * stretch a pale or tinted product reaches the model with a fraction of the contrast it was trained on.
     */
    private static Mat grayscale(Mat m, PreprocessingStep s) {
        Mat gray = luminance(m);
        if (s.number("stretch", 1) == 0) {
            return gray;
        }
        Mat out = stretch(gray, s);
        gray.release();
        return out;
    }

    /** Maps the luminance range onto 0..255 with the gain and offset {@code Core.normalize(NORM_MINMAX)} uses. */
    private static Mat stretch(Mat m, PreprocessingStep s) {
        Mat gray = m.channels() == 1 ? m : luminance(m);
        Core.MinMaxLocResult range = Core.minMaxLoc(gray);
        if (gray != m) {
            gray.release();
        }
        double span = range.maxVal - range.minVal;
        double gain = 255 * (span > 0 ? 1.0 / span : 0);
        Mat out = new Mat();
        m.convertTo(out, -1, gain, -range.minVal * gain);
        return out;
    }

    /** Returns a one-channel copy: the image itself if it has one channel, else its luminance. */
    private static Mat luminance(Mat m) {
        Mat gray = new Mat();
        if (m.channels() == 1) {
            m.copyTo(gray);
        } else {
            Imgproc.cvtColor(m, gray, Imgproc.COLOR_BGR2GRAY);
        }
        return gray;
    }

    /** Returns the per-channel median of the four corner pixels (the mean of the middle two). */
    static Scalar cornerColor(Mat m) {
        int r = m.rows() - 1;
        int c = m.cols() - 1;
        double[][] corners = {m.get(0, 0), m.get(0, c), m.get(r, 0), m.get(r, c)};
        double[] color = new double[4];
        for (int ch = 0; ch < Math.min(4, m.channels()); ch++) {
            double[] v = new double[4];
            for (int k = 0; k < 4; k++) {
                v[k] = corners[k][ch];
            }
            java.util.Arrays.sort(v);
            color[ch] = (v[1] + v[2]) / 2;
        }
        return new Scalar(color);
    }

    private static Mat resizeLongest(Mat m, PreprocessingStep s) {
        return scaled(m, s.number("size", 28) / Math.max(m.width(), m.height()));
    }

    private static Mat resizeShorter(Mat m, PreprocessingStep s) {
        return scaled(m, s.number("size", 256) / Math.min(m.width(), m.height()));
    }

    /** Scales both sides by {@code scale}: area averaging when shrinking (no aliasing), bilinear otherwise. */
    private static Mat scaled(Mat m, double scale) {
        int w = Math.max(1, (int) Math.round(m.width() * scale));
        int h = Math.max(1, (int) Math.round(m.height() * scale));
        Mat out = new Mat();
        Imgproc.resize(m, out, new Size(w, h), 0, 0, scale < 1 ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
        return out;
    }

    private static Mat centerCrop(Mat m, PreprocessingStep s) {
        int w = (int) s.number("width", s.number("size", 224));
        int h = (int) s.number("height", s.number("size", 224));
        int padX = Math.max(0, w - m.width());
        int padY = Math.max(0, h - m.height());
        Mat src = m;
        if (padX > 0 || padY > 0) {
            src = new Mat();
            Core.copyMakeBorder(m, src, padY / 2, padY - padY / 2, padX / 2, padX - padX / 2,
                    Core.BORDER_REPLICATE);
        }
        int x = (src.width() - w) / 2;
        int y = (src.height() - h) / 2;
        Mat out = src.submat(new Rect(x, y, w, h)).clone();
        if (src != m) {
            src.release();
        }
        return out;
    }

    private static Mat sharpen(Mat m, PreprocessingStep s) {
        double sigma = s.number("sigma", 1.0);
        double amount = s.number("amount", 0.5);
        Mat blur = new Mat();
        Imgproc.GaussianBlur(m, blur, new Size(0, 0), sigma);
        Mat out = new Mat();
        Core.addWeighted(m, 1 + amount, blur, -amount, 0, out);
        blur.release();
        return out;
    }

    private static Mat padSquare(Mat m, PreprocessingStep s) {
        int size = (int) s.number("size", 28);
        double fill = s.number("fill", 255);
        int w = Math.min(size, m.width());
        int h = Math.min(size, m.height());
        int top = (size - h) / 2;
        int left = (size - w) / 2;
        Mat out = new Mat();
        Core.copyMakeBorder(m, out, top, size - h - top, left, size - w - left, Core.BORDER_CONSTANT,
                new Scalar(fill, fill, fill));
        return out;
    }
}
