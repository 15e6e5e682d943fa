package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.config.TaggerConfig;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The near-duplicate descriptor ({@link ModelOutput#DUPLICATES}): unit length, and what it is for: a photo on
 * another backdrop stays a duplicate, the same drawing in other colours does not, at {@code dedupe}'s default
 * threshold.
 */
class DuplicateDescriptorTest {

    private static final Path CHIPS = Path.of("test-images/imagenet/missvickie_potato_chips.png");
    /** {@code dedupe.threshold}'s default. */
    private static final double THRESHOLD = TaggerConfig.defaults().duplicateThreshold();

    private static float[][] vectors(ModelOutput output, byte[]... photos) {
        TestSupport.offline();
        ModelStore store = new ModelStore(TestSupport.MODEL_ZOO);
        try (ServingModel serving = new ServingModel(LoadedModel.load(store, "mobilenetv2-imagenet", "1", output),
                new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), new InferencePool.Settings(1, 4, 0, 8),
                InferencePool.Observer.NONE); BatchClassifier batch = serving.newBatchClassifier(4)) {
            List<float[]> prepared = java.util.Arrays.stream(photos).map(batch::prepare).toList();
            return batch.score(prepared).toArray(float[][]::new);
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void aDescriptorHasLengthOneFourRegionsOfFeaturesAndAHueHistogram() throws Exception {
        float[] v = vectors(ModelOutput.DUPLICATES, Files.readAllBytes(CHIPS))[0];
        assertEquals(4 * 1280 + DuplicateDescriptor.HUE_BINS + 1, v.length);
        assertEquals(1.0, Math.sqrt(dot(v, v)), 1e-4);
    }

    @Test
    void aNewBackdropStaysADuplicateAndTheSameDrawingInOtherColoursDoesNot() throws Exception {
        byte[] original = Files.readAllBytes(CHIPS);
        byte[] backdrop = TestSupport.onBackdrop(CHIPS, 0x3c3cc8);
        byte[] recoloured = TestSupport.channelsSwapped(CHIPS);
        float[][] d = vectors(ModelOutput.DUPLICATES, original, backdrop, recoloured);
        float[][] e = vectors(ModelOutput.EMBEDDING, original, backdrop, recoloured);
        String all = String.format(java.util.Locale.ROOT, "descriptor: backdrop %.3f, recoloured %.3f; embedding: "
                + "backdrop %.3f, recoloured %.3f", dot(d[0], d[1]), dot(d[0], d[2]), dot(e[0], e[1]),
                dot(e[0], e[2]));
        assertTrue(dot(d[0], d[1]) >= THRESHOLD, all);
        assertTrue(dot(d[0], d[2]) < THRESHOLD, all);
        // what dedupe compared before: the pooled embedding calls the recoloured look-alike a duplicate too
        assertTrue(dot(e[0], e[2]) >= THRESHOLD, all);
    }

    @Test
    void theBackdropIsMovedToWhiteBeforeTheNetworkSoANewOneHardlyMovesTheDescriptor() throws Exception {
        byte[] original = Files.readAllBytes(CHIPS);
        int[] backdrops = {0x3c3cc8, 0x46a046, 0xa050c8, 0x787878};
        byte[][] photos = new byte[backdrops.length + 1][];
        photos[0] = original;
        for (int i = 0; i < backdrops.length; i++) {
            photos[i + 1] = TestSupport.onBackdrop(CHIPS, backdrops[i]);
        }
        float[][] d = vectors(ModelOutput.DUPLICATES, photos);
        for (int i = 1; i < d.length; i++) {
            // read from the photo as it came, the features around the product move with the backdrop: 0.97
            assertTrue(dot(d[0], d[i]) >= 0.99, String.format(java.util.Locale.ROOT, "backdrop %06x: %.3f",
                    backdrops[i - 1], dot(d[0], d[i])));
        }
    }

    @Test
    void aFamilyWhoseFeatureMapHasNoGraphHasNoDescriptor() {
        TestSupport.offline();
        ModelException.NotServable e = assertThrows(ModelException.NotServable.class, () -> LoadedModel.load(
                new ModelStore(TestSupport.MODEL_ZOO), "fashion", "1", ModelOutput.DUPLICATES));
        assertTrue(e.getMessage().contains("near-duplicate descriptor"), e.getMessage());
    }
}
