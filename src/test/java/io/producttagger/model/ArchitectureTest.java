package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import io.producttagger.TestSupport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

    private static final VggBn GRAY = Architecture.vggBn(List.of(4, 8), 1, 0);

    private static float[] infer(Block block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow()
                .toFloatArray();
    }

    @Test
    void colourFeaturesOfAGrayImageStartWithTheGrayStacksFeatures() {
        TestSupport.offline();
        try (NDManager manager = NDManager.newBaseManager("MXNet")) {
            SequentialBlock stack = GRAY.buildBackbone();
            stack.initialize(manager, DataType.FLOAT32, new Shape(2, 1, 12, 12));
            VggBn color = GRAY.withColorBins(5);
            Block features = color.withColor(stack);
            features.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 12, 12));

            NDArray gray = manager.randomNormal(new Shape(2, 1, 12, 12));
            NDArray rgb = gray.repeat(1, 3);
            float[] expected = infer(stack, manager, gray);
            float[] got = infer(features, manager, rgb);
            assertEquals(2 * (8 + 5), got.length, "8 shape features and 5 colour bins per image");
            for (int image = 0; image < 2; image++) {
                for (int f = 0; f < 8; f++) {
                    assertEquals(expected[image * 8 + f], got[image * 13 + f], 1e-4f, "image " + image + " feature " + f);
                }
            }
        }
    }

    @Test
    void colourNetworkRoundTripsThroughItsSavedParameters() throws Exception {
        TestSupport.offline();
        VggBn color = GRAY.withColorBins(6);
        assertEquals(3, color.inputChannels());
        try (NDManager manager = NDManager.newBaseManager("MXNet")) {
            SequentialBlock trained = color.build(4);
            trained.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 12, 12));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                trained.saveParameters(out);
            }
            SequentialBlock loaded = color.build(4);
            loaded.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 12, 12));
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                loaded.loadParameters(manager, in);
            }
            NDArray x = manager.randomUniform(0, 1, new Shape(3, 3, 12, 12));
            assertArrayEquals(infer(trained, manager, x), infer(loaded, manager, x), 1e-5f);
        }
    }
}
