package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.mxnet.engine.MxSymbolBlock;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.producttagger.ScoreAgreement;
import io.producttagger.TestSupport;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A colour family run as one MXNet graph ({@link GraphNetwork}) computes what its imperative block computes, within
 * the golden tests' tolerances: 1e-4 of the largest value for features and logits, 1e-5 on a probability.
 */
class GraphNetworkTest {

    /** As the golden tests: a difference relative to the largest magnitude of the values compared. */
    private static final double FEATURE_TOLERANCE = 1e-4;
    /** As the golden tests: an absolute difference between probabilities. */
    private static final double PROBABILITY_TOLERANCE = 1e-5;

    private static final Path PHOTOS = Path.of("test-images/imagenet");

    private static List<float[]> photos(ModelManifest m) throws Exception {
        ImagePipeline pipeline = new ImagePipeline(new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS),
                m.preprocessing(), m.input().width(), m.input().height(), m.input().channels());
        List<float[]> tensors = new ArrayList<>();
        try (Stream<Path> files = Files.list(PHOTOS)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                tensors.add(pipeline.process(Files.readAllBytes(p)).tensor());
            }
        }
        assertTrue(tensors.size() >= 4, "the committed ImageNet photos");
        return tensors;
    }

    /** Returns the largest difference relative to the largest magnitude of {@code want}. */
    private static double relative(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        assertTrue(scale > 0, "outputs are not all zero");
        return worst / scale;
    }

    private static double absolute(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        return worst;
    }

    /** Scores every tensor alone with the version loaded as {@code execution}. */
    private static List<float[]> score(String name, ModelOutput output, LoadedModel.Execution execution,
            List<float[]> tensors) {
        List<float[]> out = new ArrayList<>();
        try (LoadedModel model = LoadedModel.load(new ModelStore(TestSupport.MODEL_ZOO), name, "1", output,
                execution); LoadedModel.Scorer scorer = model.newScorer()) {
            for (float[] t : tensors) {
                out.add(scorer.score(t, 1));
            }
        }
        return out;
    }

    private static void assertPathsAgree(String name, ModelOutput output, double tolerance, boolean relative)
            throws Exception {
        TestSupport.offline();
        List<float[]> tensors = photos(new ModelStore(TestSupport.MODEL_ZOO).manifest(name, "1"));
        List<float[]> block = score(name, output, LoadedModel.Execution.BLOCK, tensors);
        List<float[]> graph = score(name, output, LoadedModel.Execution.GRAPH, tensors);
        for (int i = 0; i < tensors.size(); i++) {
            double gap = relative ? relative(block.get(i), graph.get(i)) : absolute(block.get(i), graph.get(i));
            System.out.printf("graph vs block %s %s photo %d: %.3g%n", name, output, i, gap);
            assertTrue(gap <= tolerance, name + " " + output + " photo " + i + ": " + gap + " beyond " + tolerance);
        }
    }

    /**
     * A fine-tune's tail recipe caches the front of the features (everything before the trainable tail) through its
     * graph: the activations must be the front block's.
     */
    @Test
    void mobileNetV2TailInputMatchesTheFrontBlock() throws Exception {
        TestSupport.offline();
        ModelStore store = new ModelStore(TestSupport.MODEL_ZOO);
        ModelManifest m = store.manifest("mobilenetv2-imagenet-backbone", "1");
        List<float[]> tensors = photos(m);
        try (Model model = Model.newInstance("front", Architecture.ENGINE)) {
            Block features = m.architecture().buildFeatures();
            model.setBlock(features);
            model.load(store.versionDir(m.name(), m.version()), m.parameters());
            Block front = m.architecture().trainableTail(features).frozen();
            Block graph = GraphNetwork.frozenTailInput(m.architecture(), front, m.input(),
                    model.getNDManager());
            assertTrue(graph instanceof MxSymbolBlock, "mobilenetv2 writes its front as a graph");
            ParameterStore parameters = new ParameterStore(model.getNDManager(), false);
            for (int i = 0; i < tensors.size(); i++) {
                try (NDManager sub = model.getNDManager().newSubManager()) {
                    NDList x = new NDList(sub.create(tensors.get(i),
                            new Shape(1, 3, m.input().height(), m.input().width())));
                    ai.djl.ndarray.NDArray want = front.forward(parameters, x, false).singletonOrThrow();
                    ai.djl.ndarray.NDArray got = graph.forward(parameters, x, false).singletonOrThrow();
                    assertEquals(want.getShape(), got.getShape(), "the tail's input shape");
                    double gap = relative(want.toFloatArray(), got.toFloatArray());
                    assertTrue(gap <= FEATURE_TOLERANCE, "photo " + i + ": " + gap + " beyond " + FEATURE_TOLERANCE);
                }
            }
        }
    }

    @Test
    void mobileNetV2ImageNetProbabilitiesMatchTheBlock() throws Exception {
        assertPathsAgree("mobilenetv2-imagenet", ModelOutput.LABEL_SCORES, PROBABILITY_TOLERANCE, false);
    }

    @Test
    void mobileNetV2ImageNetEmbeddingsMatchTheBlock() throws Exception {
        assertPathsAgree("mobilenetv2-imagenet", ModelOutput.EMBEDDING, FEATURE_TOLERANCE, true);
    }

    @Test
    void mobileNetV2BackboneEmbeddingsMatchTheBlock() throws Exception {
        assertPathsAgree("mobilenetv2-imagenet-backbone", ModelOutput.EMBEDDING, FEATURE_TOLERANCE, true);
    }

    @Test
    void mobileNetV3CocoEmbeddingsMatchTheBlock() throws Exception {
        assertPathsAgree("mobilenetv3-coco", ModelOutput.EMBEDDING, FEATURE_TOLERANCE, true);
    }

    /**
     * The graph's scores of an image do not depend on the batch it runs in, within {@link ScoreAgreement#BOUND}
     * (the bound every path of the service is held to).
     */
    @Test
    void graphScoresAtBatchOneAndSixteenAgreeWithinTheScoreBound() throws Exception {
        TestSupport.offline();
        ModelStore store = new ModelStore(TestSupport.MODEL_ZOO);
        List<float[]> photos = photos(store.manifest("mobilenetv2-imagenet", "1"));
        int per = photos.get(0).length;
        float[] batch = new float[16 * per];
        for (int i = 0; i < 16; i++) {
            System.arraycopy(photos.get(i % photos.size()), 0, batch, i * per, per);
        }
        try (LoadedModel model = LoadedModel.load(store, "mobilenetv2-imagenet", "1");
                LoadedModel.Scorer scorer = model.newScorer()) {
            float[] together = scorer.score(batch, 16);
            int labels = together.length / 16;
            double worst = 0;
            for (int i = 0; i < 16; i++) {
                float[] alone = scorer.score(photos.get(i % photos.size()), 1);
                for (int k = 0; k < labels; k++) {
                    worst = Math.max(worst, Math.abs(alone[k] - together[i * labels + k]));
                }
            }
            System.out.printf("graph batch 1 vs 16: largest probability difference %.3g%n", worst);
            assertTrue(worst <= ScoreAgreement.BOUND, "batch 1 vs 16: " + worst);
        }
    }

    /**
     * On sizes the committed models never see (an odd height, so TF pads symmetrically there, and an even width,
     * where it pads one more pixel after), with fine-tune poolings (L2-normalised, several blocks side by side),
     * squeeze-excite, hard-swish, 5x5 kernels and random weights and biases, graph and block agree.
     */
    @Test
    void smallNetworksAgreeOnOddAndEvenSizesWithFineTunePoolings() {
        TestSupport.offline();
        MobileNetV2 v2 = new MobileNetV2(new MobileNetV2.Stem(8, 3, 2),
                List.of(new MobileNetV2.InvertedResidual(0, 3, 1, 8), new MobileNetV2.InvertedResidual(16, 3, 2, 12),
                        new MobileNetV2.InvertedResidual(24, 5, 1, 12), new MobileNetV2.InvertedResidual(24, 5, 2, 16)),
                32, true, 0.2);
        MobileNetV3 v3 = new MobileNetV3(new MobileNetV3.Stem(8, 3, 2, "hard_swish"),
                List.of(new MobileNetV3.Bottleneck(0, 3, 2, 4, "relu", 8),
                        new MobileNetV3.Bottleneck(24, 3, 1, 0, "relu", 8),
                        new MobileNetV3.Bottleneck(32, 5, 2, 8, "hard_swish", 16),
                        new MobileNetV3.Bottleneck(48, 5, 1, 12, "hard_swish", 16)),
                0.16662598, 0.2, List.of(1, 3));
        for (Architecture a : List.of(v2, v3, v2.withNormalizeFeatures(false), v3.withPooled(List.of(3)))) {
            for (boolean head : new boolean[] {false, true}) {
                double gap = graphVersusBlock(a, head, 37, 52);
                System.out.printf("graph vs block %s head %s: %.3g%n", a.getClass().getSimpleName(), head, gap);
                assertTrue(gap <= FEATURE_TOLERANCE, a + " head " + head + ": " + gap);
            }
        }
    }

    /** A fine-tune's frozen features can run as the graph; a family without a graph form keeps its block. */
    @Test
    void frozenFeaturesAreTheGraphForAColourFamilyAndTheBlockOtherwise() {
        TestSupport.offline();
        ModelManifest.InputSpec in = new ModelManifest.InputSpec(32, 32, 3);
        try (Model model = Model.newInstance("frozen-test", Architecture.ENGINE)) {
            MobileNetV2 v2 = new MobileNetV2(new MobileNetV2.Stem(8, 3, 2),
                    List.of(new MobileNetV2.InvertedResidual(16, 3, 2, 8)), 16, true, 0);
            Block features = v2.buildFeatures();
            features.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
            assertTrue(GraphNetwork.frozenFeatures(v2, features, in, model.getNDManager()) instanceof MxSymbolBlock);
            Block vgg = Architecture.vggBn(List.of(8), 1, 0).buildFeatures();
            assertTrue(GraphNetwork.frozenFeatures(Architecture.vggBn(List.of(8), 1, 0), vgg, in,
                    model.getNDManager()) == vgg);
        }
    }

    /**
     * A graph with its own arrays (one per scoring thread, {@link LoadedModel}) holds one array per parameter and
     * nothing else: a weight the graph scales (mobilenetv3's folded hard-swish factor) or pads (a stride-2
     * convolution's leading zeros) is not also kept as an unscaled copy, and no array is the block's.
     */
    @Test
    void aGraphWithItsOwnArraysHoldsOneArrayPerParameterAndNoneOfTheBlocks() {
        TestSupport.offline();
        MobileNetV3 v3 = new MobileNetV3(new MobileNetV3.Stem(8, 3, 2, "hard_swish"),
                List.of(new MobileNetV3.Bottleneck(16, 3, 2, 4, "hard_swish", 8),
                        new MobileNetV3.Bottleneck(24, 5, 1, 8, "hard_swish", 8)),
                0.16662598, 0.2, List.of(1));
        try (Model model = Model.newInstance("own-arrays-test", Architecture.ENGINE)) {
            Block block = v3.build(5);
            block.setInitializer(new NormalInitializer(0.3f), Parameter.Type.WEIGHT);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
            Set<NDArray> blockArrays = Collections.newSetFromMap(new IdentityHashMap<>());
            block.getParameters().values().forEach(p -> blockArrays.add(p.getArray()));
            try (NDManager own = model.getNDManager().newSubManager()) {
                MxSymbolBlock graph = GraphNetwork.of(v3, block, 5, new ModelManifest.InputSpec(32, 32, 3), own,
                        true).orElseThrow();
                List<NDArray> bound = new ArrayList<>();
                graph.getAllParameters().stream().filter(Parameter::isInitialized)
                        .forEach(p -> bound.add(p.getArray()));
                assertEquals(block.getParameters().size(), bound.size(), "every block parameter is bound");
                long boundBytes = bound.stream().mapToLong(a -> a.size() * 4).sum();
                long heldBytes = ((BaseNDManager) own).getManagedArrays().stream()
                        .mapToLong(a -> a.size() * 4).sum();
                assertEquals(boundBytes, heldBytes, "the graph's manager holds its parameters and nothing more");
                for (NDArray a : bound) {
                    assertTrue(a.getManager() == own, "a bound array lives in the graph's manager");
                    assertFalse(blockArrays.contains(a), "no bound array is the block's");
                }
            }
        }
    }

    private static double graphVersusBlock(Architecture a, boolean head, int height, int width) {
        try (Model model = Model.newInstance("graph-test", Architecture.ENGINE)) {
            Block block = head ? a.build(5) : a.buildFeatures();
            block.setInitializer(new NormalInitializer(0.3f), Parameter.Type.WEIGHT);
            block.setInitializer(new NormalInitializer(0.3f), Parameter.Type.BIAS);
            model.setBlock(block);
            NDManager manager = model.getNDManager();
            Shape shape = new Shape(2, 3, height, width);
            block.initialize(manager, DataType.FLOAT32, shape);
            float[] x = new float[(int) shape.size()];
            Random random = new Random(3);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            MxSymbolBlock graph = GraphNetwork.of(a, block, head ? 5 : 0,
                    new ModelManifest.InputSpec(width, height, 3), manager, false).orElseThrow();
            assertFalse(graph.getSymbol().toJsonString().contains("\"Pad\""), "no Pad operator in the graph");
            return relative(forward(block, manager, x, shape), forward(graph, manager, x, shape));
        }
    }

    private static float[] forward(Block block, NDManager manager, float[] x, Shape shape) {
        try (NDManager sub = manager.newSubManager()) {
            return block.forward(new ParameterStore(sub, false), new NDList(sub.create(x, shape)), false)
                    .singletonOrThrow().toFloatArray();
        }
    }
}
