package io.producttagger.bench;

import io.producttagger.training.data.FashionMnist;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.OpenCv;
import io.producttagger.vision.Preprocessor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Decode plus Fashion-MNIST preprocessing of one product-like JPEG, 1 MP (1155x866) and 12 MP (4000x3000),
 * with reduced-size decoding (what serving does for a 28-pixel model) and with full-size decoding.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class VisionBenchmark {

    /** Image size: {@code 1mp} or {@code 12mp}. */
    @Param({"1mp", "12mp"})
    public String size;

    /** {@code reduced}: decode at 1/2..1/8 as the header allows; {@code full}: decode every pixel. */
    @Param({"reduced", "full"})
    public String decoding;

    private byte[] jpeg;
    private ImageDecoder decoder;
    private Preprocessor preprocessor;
    private int targetSide;

    /** Encodes a photo-like JPEG (light backdrop, textured dark product) at quality 90. */
    @Setup
    public void setUp() {
        OpenCv.load();
        int w = size.equals("12mp") ? 4000 : 1155;
        int h = size.equals("12mp") ? 3000 : 866;
        Mat img = new Mat(h, w, CvType.CV_8UC3, new Scalar(235, 240, 245));
        Imgproc.ellipse(img, new Point(w / 2.0, h / 2.0), new Size(w * 0.3, h * 0.4), 0, 0, 360,
                new Scalar(60, 40, 90), -1);
        Mat noise = new Mat(h, w, CvType.CV_8UC3);
        Core.randu(noise, 0, 40);
        Core.add(img, noise, img);
        jpeg = OpenCv.encode(img, ".jpg", Imgcodecs.IMWRITE_JPEG_QUALITY, 90);
        img.release();
        noise.release();
        decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
        preprocessor = new Preprocessor(FashionMnist.preprocessing(), FashionMnist.SIDE, FashionMnist.SIDE, 1);
        targetSide = decoding.equals("reduced") ? preprocessor.targetSide() : 0;
    }

    /** Decodes the JPEG only. */
    @Benchmark
    public int decodeOnly() {
        Mat m = decoder.decode(jpeg, targetSide);
        int w = m.width();
        m.release();
        return w;
    }

    /** Decodes and preprocesses the JPEG into the 28x28 tensor. */
    @Benchmark
    public float[] decodeAndPreprocess() {
        Mat m = decoder.decode(jpeg, targetSide);
        try {
            return preprocessor.apply(m);
        } finally {
            m.release();
        }
    }
}
