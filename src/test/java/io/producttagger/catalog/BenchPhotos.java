package io.producttagger.catalog;

import io.producttagger.training.FashionMnist;
import io.producttagger.training.LabeledImages;
import io.producttagger.vision.OpenCv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Writes photo-like JPEGs for the catalog benchmark ({@code scripts/bench-catalog}): Fashion-MNIST test images
 * negated onto an off-white, slightly noisy canvas of 400 to 1200 pixels per side, like product photos.
 *
 * <p>Usage: {@code BenchPhotos DIR COUNT [SEED]}.
 */
public final class BenchPhotos {

    private BenchPhotos() {}

    /** Writes the photos. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        int count = Integer.parseInt(args[1]);
        Random random = new Random(args.length > 2 ? Long.parseLong(args[2]) : 1);
        OpenCv.load();
        LabeledImages data = FashionMnist.test(Path.of("test-images/fashion-mnist"));
        for (int i = 0; i < count; i++) {
            int w = 400 + random.nextInt(801);
            int h = 400 + random.nextInt(801);
            Files.write(dir.resolve(String.format("photo-%05d.jpg", i)), photo(data, i % data.size(), w, h, random));
        }
        System.out.printf("wrote %d photos to %s%n", count, dir);
    }

    static byte[] photo(LabeledImages data, int index, int w, int h, Random random) {
        Mat small = new Mat(data.height(), data.width(), CvType.CV_8UC1);
        small.put(0, 0, java.util.Arrays.copyOfRange(data.pixels(), index * data.imageBytes(),
                (index + 1) * data.imageBytes()));
        Core.bitwise_not(small, small);
        int side = (int) (Math.min(w, h) * (0.6 + 0.3 * random.nextDouble()));
        Mat big = new Mat();
        Imgproc.resize(small, big, new Size(side, side), 0, 0, Imgproc.INTER_CUBIC);
        Mat color = new Mat();
        Imgproc.cvtColor(big, color, Imgproc.COLOR_GRAY2BGR);
        double tint = 235 + random.nextInt(21);
        Mat canvas = new Mat(h, w, CvType.CV_8UC3, new Scalar(tint, tint, tint));
        Mat noise = new Mat(h, w, CvType.CV_8UC3);
        Core.randn(noise, 0, 3);
        Core.add(canvas, noise, canvas);
        int x = random.nextInt(w - side + 1);
        int y = random.nextInt(h - side + 1);
        Mat roi = canvas.submat(new Rect(x, y, side, side));
        Core.min(roi, color, roi);
        MatOfByte buf = new MatOfByte();
        Imgcodecs.imencode(".jpg", canvas, buf, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 88));
        byte[] out = buf.toArray();
        for (Mat m : new Mat[] {small, big, color, canvas, noise, roi, buf}) {
            m.release();
        }
        return out;
    }
}
