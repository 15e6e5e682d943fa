package io.producttagger.model.tflite;

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
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code mobilenetv2-imagenet} computes what the TensorFlow Lite file it was imported from computes:
 * the golden values of scripts/tflite/golden.py (numpy in float64 on the file's own dequantized weights, sharing no
 * code with the DJL block) for the committed ImageNet test photos, at two depths and at the end, through the model's
 * own decoding and preprocessing.
 */
class ImageNetGoldenTest {

    private static final String NAME = "mobilenetv2-imagenet";
    private static final Path GOLDEN = Path.of("src/test/resources/golden/mobilenetv2-imagenet.json");
    private static final Path PHOTOS = Path.of("test-images/imagenet");

    /**
     * Largest difference allowed at a depth, relative to the largest magnitude of the golden values stored for it.
     * The DJL block computes in float32, the golden in float64 on the same float32 weights; a wrong padding, layout,
     * activation or scaling is off by far more (the extra padding pixel put top/left instead of bottom/right: twice
     * the largest magnitude at block 5, while the top-1 answer stayed chickadee). Measured: at most 2.7e-6.
     */
    private static final double DEPTH_TOLERANCE = 1e-4;

    /**
     * Largest difference allowed between a probability and the golden one (absolute). Measured: at most 3.5e-7.
     */
    private static final double PROBABILITY_TOLERANCE = 1e-5;

    /**
     * The file's top-1 answers as STACK-NOTES gives them (and one product photo's), to three decimals; they were
     * rounded from four (chickadee 0.9775 is 0.97745), so a score may differ from them by up to 0.001.
     */
    private static final Map<String, Object[]> TOP1 = Map.of(
            "bird.png", new Object[] {"chickadee", 0.978},
            "cat.png", new Object[] {"Egyptian cat", 0.888},
            "grace_hopper.png", new Object[] {"military uniform", 0.698},
            "missvickie_potato_chips.png", new Object[] {"packet", 0.873});

    private static JsonNode golden;
    private static ModelStore store;
    private static ImagePipeline pipeline;

    @BeforeAll
    static void load() throws Exception {
        TestSupport.offline();
        golden = new ObjectMapper().readTree(GOLDEN.toFile());
        store = new ModelStore(TestSupport.MODEL_ZOO);
        ModelManifest m = store.manifest(NAME, "1");
        pipeline = new ImagePipeline(new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), m.preprocessing(),
                m.input().width(), m.input().height(), m.input().channels());
    }

    private static float[] input(JsonNode entry) throws Exception {
        return pipeline.process(Files.readAllBytes(PHOTOS.resolve(entry.path("image").asText()))).tensor();
    }

    @Test
    void blocksFiveAndSixteenMatchTheFileComputedInNumpy() throws Exception {
        ModelManifest m = store.manifest(NAME, "1");
        int compared = 0;
        try (Model model = Model.newInstance("golden", Architecture.ENGINE)) {
            Block network = m.architecture().build(m.labels().size());
            model.setBlock(network);
            model.load(store.versionDir(NAME, "1"), m.parameters());
            List<Block> parts = Architecture.features(network).getChildren().values();
            for (JsonNode entry : golden.path("inputs")) {
                float[] chw = input(entry);
                for (JsonNode depth : entry.path("depths")) {
                    int block = depth.path("block").asInt(); // the stem and blocks 0..block
                    SequentialBlock prefix = new SequentialBlock();
                    parts.subList(0, block + 2).forEach(prefix::add);
                    float[] got;
                    Shape shape;
                    try (NDManager sub = model.getNDManager().newSubManager()) {
                        NDArray out = prefix.forward(new ParameterStore(sub, false),
                                new NDList(sub.create(chw, new Shape(1, 3, 224, 224))), false).singletonOrThrow();
                        shape = out.getShape();
                        got = out.toFloatArray();
                    }
                    JsonNode s = depth.path("shape"); // HWC
                    int h = s.get(0).asInt();
                    int w = s.get(1).asInt();
                    int c = s.get(2).asInt();
                    String what = entry.path("image").asText() + " block " + block;
                    assertEquals(new Shape(1, c, h, w), shape, what);
                    double scale = 0;
                    double worst = 0;
                    for (int ch = 0; ch < c; ch++) {
                        double mean = 0;
                        for (int i = 0; i < h * w; i++) {
                            mean += got[ch * h * w + i];
                        }
                        double want = depth.path("means").get(ch).asDouble();
                        scale = Math.max(scale, Math.abs(want));
                        worst = Math.max(worst, Math.abs(mean / (h * w) - want));
                    }
                    JsonNode channels = depth.path("channels");
                    for (int p = 0; p < depth.path("places").size(); p++) {
                        int y = depth.path("places").get(p).get(0).asInt();
                        int x = depth.path("places").get(p).get(1).asInt();
                        for (int k = 0; k < channels.size(); k++) {
                            double want = depth.path("values").get(p).get(k).asDouble();
                            scale = Math.max(scale, Math.abs(want));
                            worst = Math.max(worst, Math.abs(got[(channels.get(k).asInt() * h + y) * w + x] - want));
                        }
                    }
                    System.out.printf("golden %s: largest difference %.3g of largest magnitude %.3g (%.2g)%n", what,
                            worst, scale, worst / scale);
                    assertTrue(scale > 1, what + ": golden activations are not trivial");
                    assertTrue(worst <= DEPTH_TOLERANCE * scale, what + ": largest difference " + worst
                            + " against a largest magnitude of " + scale + " (tolerance " + DEPTH_TOLERANCE
                            + " of it)");
                    compared++;
                }
            }
        }
        assertEquals(8, compared, "four photos at two depths");
    }

    /**
     * Through the normal loading path ({@link LoadedModel}): the 1000 scores are the file's 1001 probabilities
     * without "background", {@code p[i] / (1 - p[0])}, and the top-1 answers are the reference ones.
     */
    @Test
    void probabilitiesMatchTheFileAndTopAnswersAreTheReferenceOnes() throws Exception {
        int compared = 0;
        try (LoadedModel loaded = LoadedModel.load(store, NAME, "1");
                LoadedModel.Scorer scorer = loaded.newScorer()) {
            List<String> labels = loaded.manifest().labels();
            for (JsonNode entry : golden.path("inputs")) {
                String image = entry.path("image").asText();
                float[] got = scorer.score(input(entry), 1);
                JsonNode want = entry.path("probabilities");
                assertEquals(want.size() - 1, got.length, image);
                double background = want.get(0).asDouble();
                double worst = 0;
                int top = 0;
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - want.get(i + 1).asDouble() / (1 - background)));
                    top = got[i] > got[top] ? i : top;
                }
                System.out.printf("golden %s: %s %.4f, largest probability difference %.3g%n", image, labels.get(top),
                        got[top], worst);
                assertTrue(worst <= PROBABILITY_TOLERANCE, image + ": largest probability difference " + worst);
                assertEquals(TOP1.get(image)[0], labels.get(top), image);
                assertEquals((double) TOP1.get(image)[1], got[top], 0.001, image);
                compared++;
            }
        }
        assertEquals(4, compared);
    }
}
