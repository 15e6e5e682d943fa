package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import io.producttagger.TestSupport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code mobilenetv2} family: a classifier's trained layers become a fine-tune's features unchanged. */
class MobileNetV2Test {

    private static final MobileNetV2 CLASSIFIER = new MobileNetV2(new MobileNetV2.Stem(8, 3, 2), List.of(
            new MobileNetV2.InvertedResidual(0, 3, 1, 8), new MobileNetV2.InvertedResidual(16, 3, 2, 12),
            new MobileNetV2.InvertedResidual(24, 3, 1, 12)), 20, false, 0);

    private static float[] infer(Block block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow()
                .toFloatArray();
    }

    @Test
    void aFineTunesFeaturesAreTheClassifiersPooledFeaturesL2NormalisedToTheirSquareRootSize() {
        TestSupport.offline();
        try (NDManager manager = NDManager.newBaseManager(Architecture.ENGINE)) {
            SequentialBlock classifier = CLASSIFIER.build(5);
            classifier.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 33, 32)); // odd and even sides
            Block raw = Architecture.features(classifier);
            Architecture target = CLASSIFIER.fineTuned(true);
            assertEquals(CLASSIFIER.withNormalizeFeatures(true), target);
            assertTrue(target.cachesFeatures());
            Block normalised = CLASSIFIER.transferFeatures(raw, target);
            NDArray x = manager.randomUniform(-1, 1, new Shape(2, 3, 33, 32));
            float[] pooled = infer(raw, manager, x);
            float[] features = infer(normalised, manager, x);
            assertEquals(2 * 20, features.length);
            for (int image = 0; image < 2; image++) {
                double norm = 0;
                for (int f = 0; f < 20; f++) {
                    norm += pooled[image * 20 + f] * pooled[image * 20 + f];
                }
                float[] want = new float[20];
                float[] got = new float[20];
                for (int f = 0; f < 20; f++) {
                    want[f] = (float) (pooled[image * 20 + f] * Math.sqrt(20) / Math.sqrt(norm));
                    got[f] = features[image * 20 + f];
                }
                assertArrayEquals(want, got, 1e-4f, "image " + image);
            }
        }
    }

    @Test
    void transfersOnlyToTheSameLayers() {
        MobileNetV2 other = new MobileNetV2(CLASSIFIER.stem(), CLASSIFIER.blocks(), 24, true, 0);
        assertThrows(IllegalArgumentException.class, () -> CLASSIFIER.transferFeatures(CLASSIFIER.buildFeatures(),
                other));
    }
}
