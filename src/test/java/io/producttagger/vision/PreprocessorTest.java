package io.producttagger.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;

class PreprocessorTest {

    private static final PreprocessingStep NORMALIZE = PreprocessingStep.of(Normalization.OP);

    static {
        OpenCv.load();
    }

    private static float min(float[] t, int from, int to) {
        float m = Float.MAX_VALUE;
        for (int i = from; i < to; i++) {
            m = Math.min(m, t[i]);
        }
        return m;
    }

    private static float max(float[] t, int from, int to) {
        float m = -Float.MAX_VALUE;
        for (int i = from; i < to; i++) {
            m = Math.max(m, t[i]);
        }
        return m;
    }

    @Test
    void resizeShorterThenCenterCropKeepsTheMiddle() {
        Mat img = new Mat(20, 40, CvType.CV_8UC3, Images.BLUE);
        img.submat(new Rect(0, 0, 10, 20)).setTo(Images.RED); // left quarter red: outside the centre crop
        Preprocessor p = new Preprocessor(List.of(
                PreprocessingStep.of(Preprocessor.RESIZE_SHORTER, Map.of("size", 8)),
                PreprocessingStep.of(Preprocessor.CENTER_CROP, Map.of("width", 8, "height", 8)), NORMALIZE), 8, 8, 3);
        float[] t = p.apply(img);
        assertTrue(max(t, 0, 64) < 0.02f, "no red left in the R plane");
        assertTrue(min(t, 128, 192) > 0.98f, "all blue in the B plane");
    }

    @Test
    void centerCropRepeatsEdgesWhenTheImageIsSmaller() {
        Mat img = new Mat(4, 4, CvType.CV_8UC3, new Scalar(0, 255, 0));
        Preprocessor p = new Preprocessor(List.of(
                PreprocessingStep.of(Preprocessor.CENTER_CROP, Map.of("width", 8, "height", 8)), NORMALIZE), 8, 8, 3);
        float[] t = p.apply(img);
        assertTrue(min(t, 64, 128) > 0.99f, "the G plane is green everywhere, padding included");
    }

    @Test
    void targetSideIncludesSizesTheStepsDeclare() {
        Preprocessor p = new Preprocessor(List.of(
                PreprocessingStep.of(Preprocessor.RESIZE_SHORTER, Map.of("size", 256)),
                PreprocessingStep.of(Preprocessor.CENTER_CROP, Map.of("width", 224, "height", 224)), NORMALIZE),
                224, 224, 3);
        assertEquals(256, p.targetSide());
    }

    @Test
    void trimBorderTakesTheBackgroundFromMostCorners() {
        Mat img = new Mat(40, 40, CvType.CV_8UC3, new Scalar(240, 240, 240));
        img.submat(new Rect(0, 0, 20, 20)).setTo(new Scalar(0, 0, 0)); // the product runs into the top-left corner
        Preprocessor p = new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.TRIM_BORDER), NORMALIZE), 20, 20,
                1);
        assertTrue(max(p.apply(img), 0, 400) < 0.01f, "only the black product remains");
    }

    @Test
    void trimBorderWhitensATintedBackdrop() {
        Mat img = new Mat(40, 40, CvType.CV_8UC3, new Scalar(200, 220, 240));
        img.submat(new Rect(10, 10, 5, 5)).setTo(new Scalar(0, 0, 0));
        img.submat(new Rect(25, 25, 5, 5)).setTo(new Scalar(0, 0, 0)); // the box between them shows backdrop
        Preprocessor p = new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.TRIM_BORDER), NORMALIZE), 20, 20,
                3);
        float[] t = p.apply(img);
        int middleRight = 5 * 20 + 15; // row 5, column 15: backdrop inside the trimmed box
        for (int c = 0; c < 3; c++) {
            assertEquals(1f, t[c * 400 + middleRight], 0.01f, "channel " + c + " is white");
        }
    }

    @Test
    void trimBorderKeepsColorsWhenWhitenIsOff() {
        Mat img = new Mat(40, 40, CvType.CV_8UC3, new Scalar(200, 220, 240));
        img.submat(new Rect(10, 10, 5, 5)).setTo(new Scalar(0, 0, 0));
        img.submat(new Rect(25, 25, 5, 5)).setTo(new Scalar(0, 0, 0));
        Preprocessor p = new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.TRIM_BORDER,
                Map.of("whiten", 0)), NORMALIZE), 20, 20, 3);
        assertEquals(240 / 255f, p.apply(img)[5 * 20 + 15], 0.01f, "R keeps the backdrop's 240");
    }

    @Test
    void grayscaleStretchesToTheFullRange() {
        Mat img = new Mat(10, 10, CvType.CV_8UC3, new Scalar(100, 100, 100));
        img.submat(new Rect(0, 0, 5, 10)).setTo(new Scalar(150, 150, 150));
        Preprocessor p = new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.GRAYSCALE), NORMALIZE), 10, 10, 1);
        float[] t = p.apply(img);
        assertEquals(0f, min(t, 0, 100), 1e-6f);
        assertEquals(1f, max(t, 0, 100), 1e-6f);
    }

    @Test
    void grayscaleWithoutStretchKeepsLuminance() {
        Mat img = new Mat(10, 10, CvType.CV_8UC3, new Scalar(100, 100, 100));
        Preprocessor p = new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.GRAYSCALE,
                Map.of("stretch", 0)), NORMALIZE), 10, 10, 1);
        assertEquals(100 / 255f, p.apply(img)[0], 1e-3f);
    }

    @Test
    void stretchSpansTheFullRangeAndKeepsTheColours() {
        Mat img = new Mat(10, 10, CvType.CV_8UC3, new Scalar(100, 100, 100)); // BGR: dark gray on the right
        img.submat(new Rect(0, 0, 3, 10)).setTo(new Scalar(110, 130, 150)); // a dull orange on the left
        img.submat(new Rect(3, 0, 3, 10)).setTo(new Scalar(160, 160, 160)); // light gray in the middle
        Preprocessor stretched = new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.STRETCH), NORMALIZE),
                10, 10, 3);
        byte[] px = stretched.pixels(img); // RGB
        int[] orange = {px[0] & 0xff, px[1] & 0xff, px[2] & 0xff};
        int[] gray = {px[3 * 9] & 0xff, px[3 * 9 + 1] & 0xff, px[3 * 9 + 2] & 0xff};
        assertTrue(orange[0] > orange[1] && orange[1] > orange[2], "still orange: " + java.util.Arrays.toString(orange));
        assertEquals(gray[0], gray[1]);
        assertEquals(gray[1], gray[2]);
        Preprocessor luminance = new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.STRETCH),
                PreprocessingStep.of(Preprocessor.GRAYSCALE, Map.of("stretch", 0)), NORMALIZE), 10, 10, 1);
        float[] t = luminance.apply(img);
        assertEquals(0f, min(t, 0, 100), 1.5f / 255, "the darker half's luminance becomes 0");
        assertEquals(1f, max(t, 0, 100), 1.5f / 255, "the brighter half's luminance becomes 255");
        assertTrue(orange[0] - orange[2] > 2 * (150 - 110), "colour differences grow with the contrast");
    }

    @Test
    void padSquareCentresTheImage() {
        Mat img = new Mat(28, 14, CvType.CV_8UC1, new Scalar(0));
        Preprocessor p = new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.PAD_SQUARE, Map.of("size", 28)),
                NORMALIZE), 28, 28, 1);
        float[] t = p.apply(img);
        assertEquals(1f, t[14 * 28 + 6], 1e-6f, "white padding on the left");
        assertEquals(0f, t[14 * 28 + 7], 1e-6f, "the image starts at column 7");
        assertEquals(1f, t[14 * 28 + 21], 1e-6f, "white padding on the right");
    }

    @Test
    void leavesTheInputUntouched() {
        Mat img = new Mat(10, 10, CvType.CV_8UC3, new Scalar(10, 20, 30));
        new Preprocessor(List.of(PreprocessingStep.of(Preprocessor.NEGATE), NORMALIZE), 5, 5, 1).apply(img);
        assertEquals(30, img.get(0, 0)[2], 0);
    }

    @Test
    void rejectsUnknownStepNamingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Preprocessor(List.of(PreprocessingStep.of("blur")), 28, 28, 1));
        assertTrue(e.getMessage().startsWith("unknown preprocessing step 'blur'; known: [center_crop, grayscale,"),
                e.getMessage());
    }

    @Test
    void rejectsNormalizeBeforeOtherSteps() {
        assertThrows(IllegalArgumentException.class, () -> new Preprocessor(List.of(NORMALIZE,
                PreprocessingStep.of(Preprocessor.NEGATE)), 28, 28, 1));
    }
}
