package io.producttagger.model.tfjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.TestSupport;
import io.producttagger.model.Architecture;
import io.producttagger.model.MobileNetV3;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed backbone computes what the TF.js graph it was imported from computes: activations of TF.js itself
 * (scripts/make-golden-activations, WebAssembly backend) at two depths, for generated inputs at 224x224 and at an
 * odd size, where TF's SAME padding differs from the stride-2 case.
 */
class GoldenActivationsTest {

    /**
     * Largest difference allowed, relative to the largest magnitude of the golden tensor. Both sides compute in
     * float32 with different summation orders, and errors grow with depth; a wrong padding, layout or activation
     * is off by 10% or more; measured: at most 6e-6.
     */
    private static final double TOLERANCE = 1e-4;

    private static final Path GOLDEN = Path.of("src/test/resources/golden/mobilenetv3-coco");

    /** The same integer hash as scripts/tfjs/golden.js. */
    static int pixel(String kind, int y, int x, int c, int seed, int height, int width) {
        if (kind.equals("noise")) {
            int h = (((y * 4099 + x) * 3 + c) ^ (seed * 0x9e3779b1)) * 0x85ebca6b;
            h ^= h >>> 13;
            h *= 0xc2b2ae35;
            h ^= h >>> 16;
            return h & 255;
        }
        int[] ramps = {255 * x / (width - 1), 255 * y / (height - 1), 255 * (x + y) / (width + height - 2)};
        double dx = x - width / 2.0;
        double dy = y - height / 2.0;
        boolean inside = dx * dx + dy * dy < (width / 4.0) * (width / 4.0);
        return inside ? 255 - ramps[c] : ramps[c];
    }

    @Test
    void backboneMatchesTfjsAtTwoDepths() throws Exception {
        TestSupport.offline();
        JsonNode index = new ObjectMapper().readTree(GOLDEN.resolveSibling("mobilenetv3-coco.json").toFile());
        ByteBuffer golden = ByteBuffer.wrap(Files.readAllBytes(GOLDEN.resolveSibling("mobilenetv3-coco.bin")))
                .order(ByteOrder.LITTLE_ENDIAN);
        ModelStore store = new ModelStore(TestSupport.MODEL_ZOO);
        ModelManifest manifest = store.manifest("mobilenetv3-coco", "1");
        MobileNetV3 architecture = (MobileNetV3) manifest.architecture();
        int compared = 0;
        try (Model model = Model.newInstance("golden", Architecture.ENGINE)) {
            Block features = architecture.buildFeatures();
            model.setBlock(features);
            model.load(store.versionDir("mobilenetv3-coco", "1"), manifest.parameters());
            List<Block> parts = features.getChildren().values();
            NDManager manager = model.getNDManager();
            for (JsonNode t : index.path("tensors")) {
                JsonNode in = t.path("input");
                int h = in.path("height").asInt();
                int w = in.path("width").asInt();
                float[] chw = new float[3 * h * w];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            chw[(c * h + y) * w + x] = pixel(in.path("kind").asText(), y, x, c,
                                    in.path("seed").asInt(), h, w);
                        }
                    }
                }
                // "SCOPE/expanded_conv_N/add" is the output of block N: the stem and blocks 0..N
                String node = t.path("node").asText();
                int block = Integer.parseInt(node.replaceAll(".*/expanded_conv_(\\d+)/add$", "$1"));
                SequentialBlock prefix = new SequentialBlock();
                parts.subList(0, block + 2).forEach(prefix::add);
                float[] got;
                Shape shape;
                try (NDManager sub = manager.newSubManager()) {
                    NDArray out = prefix.forward(new ParameterStore(sub, false),
                            new NDList(sub.create(chw, new Shape(1, 3, h, w))), false).singletonOrThrow();
                    shape = out.getShape();
                    got = out.toFloatArray();
                }
                JsonNode s = t.path("shape"); // NHWC
                assertEquals(new Shape(1, s.get(3).asLong(), s.get(1).asLong(), s.get(2).asLong()), shape,
                        node + " for " + in);
                int count = t.path("count").asInt();
                float[] want = new float[count];
                golden.position(t.path("offset").asInt() * 4);
                golden.asFloatBuffer().get(want);
                int gh = s.get(1).asInt();
                int gw = s.get(2).asInt();
                int gc = s.get(3).asInt();
                double scale = 0;
                double worst = 0;
                for (int i = 0; i < count; i++) {
                    scale = Math.max(scale, Math.abs(want[i]));
                }
                for (int y = 0; y < gh; y++) {
                    for (int x = 0; x < gw; x++) {
                        for (int c = 0; c < gc; c++) {
                            double d = Math.abs(want[(y * gw + x) * gc + c] - got[(c * gh + y) * gw + x]);
                            worst = Math.max(worst, d);
                        }
                    }
                }
                System.out.printf("golden %s %s: largest difference %.3g of largest magnitude %.3g (%.2g)%n", node,
                        in, worst, scale, worst / scale);
                assertTrue(scale > 1, node + " golden activations are not trivial");
                assertTrue(worst <= TOLERANCE * scale, node + " for " + in + ": largest difference " + worst
                        + " against a largest magnitude of " + scale + " (tolerance " + TOLERANCE + " of it)");
                compared++;
            }
        }
        assertEquals(6, compared, "three inputs at two depths");
    }
}
