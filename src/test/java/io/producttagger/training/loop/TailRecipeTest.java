package io.producttagger.training.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.producttagger.TestSupport;
import io.producttagger.model.Architecture;
import io.producttagger.model.MobileNetV2;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.TrainingException;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code tail} recipe from the ImageNet backbone: the front of the features comes out bit for bit the base's,
 * the last blocks and the head train, and the result tags held-out photos through the serving path.
 */
class TailRecipeTest {

    @TempDir
    Path tmp;

    @Test
    void trainsTheLastBlocksAndTheHeadAndLeavesTheFrontAsTheBaseHadIt() throws Exception {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWith(tmp.resolve("zoo"), FineTuneFixtures.BACKBONE);
        Path data = FineTuneFixtures.colorSet(tmp.resolve("data"), 12, 1);
        Path heldOut = FineTuneFixtures.colorSet(tmp.resolve("held-out"), 8, 2);
        ModelStore store = new ModelStore(zoo);
        FineTune fineTune = new FineTune(store, new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), 1);
        FineTuneRequest request = FineTuneRequest.builder().setDataset(data, "fruit")
                .setBase(FineTuneFixtures.BACKBONE, null).optName("fruit").optValidationFraction(0.25)
                .optMinImagesPerLabel(10).optSeed(7).optEpochs(12).build();
        assertEquals(Recipe.AUTO, request.recipe());
        List<FineTune.Progress> progress = new ArrayList<>();
        FineTune.Outcome out = fineTune.run(request, progress::add, () -> false);

        ModelManifest m = out.manifest();
        assertEquals("tail", m.training().get("recipe"), "auto: a mobilenetv2 trains its tail");
        assertEquals(Recipe.TAIL.defaults().learningRate(), ((Number) m.training().get("learningRate")).floatValue());
        assertEquals(12, m.training().get("epochs"), "the request's epochs, all of them (no early stop)");
        assertTrue(progress.stream().anyMatch(p -> "features".equals(p.phase())), "caching reports progress");
        assertTrue(progress.stream().anyMatch(p -> "tail".equals(p.phase()) && p.epoch() == 12));

        MobileNetV2 architecture = (MobileNetV2) m.architecture();
        ModelManifest base = store.manifest(FineTuneFixtures.BACKBONE, "1");
        List<float[]> before = parameters(store, base, architecture.withNormalizeFeatures(true).buildFeatures());
        Block trained = architecture.build(m.labels().size());
        List<float[]> after = parameters(store, m, Architecture.features(trained));
        assertEquals(before.size(), after.size());
        int front = frontParameters(architecture);
        for (int i = 0; i < before.size(); i++) {
            if (i < front) {
                assertArrayEquals(before.get(i), after.get(i), "front parameter " + i + " is the base's");
            } else {
                assertFalse(java.util.Arrays.equals(before.get(i), after.get(i)), "tail parameter " + i + " trained");
            }
        }

        int[] tagged = FineTuneFixtures.tagFolders(zoo, "fruit", m.version(), heldOut, FineTuneFixtures.COLOR_LABELS);
        assertTrue(tagged[0] >= tagged[1] * 0.9, "held-out colour photos tagged right: " + tagged[0] + "/" + tagged[1]);
    }

    @Test
    void aRecipeTheBaseCannotTrainIsRefusedBeforeAnythingRuns() {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWith(tmp.resolve("zoo"), FineTuneFixtures.COCO_BACKBONE);
        Path data = FineTuneFixtures.colorSet(tmp.resolve("data"), 10, 1);
        FineTune fineTune = new FineTune(new ModelStore(zoo), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), 1);
        FineTuneRequest request = FineTuneRequest.builder().setDataset(data, "fruit")
                .setBase(FineTuneFixtures.COCO_BACKBONE, null).optName("fruit").optRecipe(Recipe.TAIL).build();
        TrainingException.Invalid e = assertThrows(TrainingException.Invalid.class, () -> fineTune.resolve(request));
        assertTrue(e.getMessage().contains("recipe 'tail'"), e.getMessage());
    }

    @Test
    void resolvingFillsInTheRecipesDefaultsAndKeepsWhatWasGiven() {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWith(tmp.resolve("zoo"), FineTuneFixtures.BACKBONE);
        Path data = FineTuneFixtures.colorSet(tmp.resolve("data"), 10, 1);
        FineTune fineTune = new FineTune(new ModelStore(zoo), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), 1);
        FineTuneRequest resolved = fineTune.resolve(FineTuneRequest.builder().setDataset(data, "fruit")
                .setBase(FineTuneFixtures.BACKBONE, null).optName("fruit").optRecipe(Recipe.PROBE).optBatchSize(8)
                .build());
        assertTrue(resolved.isResolved());
        assertEquals(Recipe.PROBE, resolved.recipe());
        assertEquals(8, resolved.batchSize(), "given");
        assertEquals(Recipe.PROBE.defaults().epochs(), resolved.epochs(), "the recipe's");
        assertEquals(Recipe.PROBE.defaults().headLearningRate(), resolved.headLearningRate());
        assertEquals("probe", resolved.described().get("recipe"));
    }

    /** The parameters of a features block as the version's file holds them, in tree order. */
    private static List<float[]> parameters(ModelStore store, ModelManifest manifest, Block features)
            throws Exception {
        Block block = manifest.isBackbone() ? features
                : new ai.djl.nn.SequentialBlock().add(features).add(manifest.architecture().buildHead(
                        manifest.labels().size()));
        List<float[]> out = new ArrayList<>();
        try (Model model = Model.newInstance("check", Architecture.ENGINE)) {
            model.setBlock(block);
            model.load(store.versionDir(manifest.name(), manifest.version()), manifest.parameters());
            for (Pair<String, Parameter> p : features.getParameters()) {
                out.add(p.getValue().getArray().toFloatArray());
            }
        }
        return out;
    }

    /** Parameters (weight and bias of each convolution) before the tail: the stem and the front blocks. */
    private static int frontParameters(MobileNetV2 architecture) {
        Architecture.FeatureSplit split = architecture.trainableTail(architecture.buildFeatures());
        return split.frozen().getParameters().size();
    }
}
