package io.producttagger.training.loop;

import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.TrainingException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.MobileNetV3;
import io.producttagger.model.ModelException;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning from the committed COCO colour backbone ({@code mobilenetv3-coco}): cached features, a colour-aware
 * model, served as trained.
 */
class ColourBackboneFineTuneTest {

    @TempDir
    Path tmp;

    private static FineTuneRequest request(Path data, String name) {
        // the configured defaults but for the split, the smallest label size and the seed
        return FineTuneRequest.builder().setDataset(data, "fruit").setBase(FineTuneFixtures.COCO_BACKBONE, null)
                .optName(name).optValidationFraction(0.25).optMinImagesPerLabel(10).optSeed(7).optColor(true).build();
    }

    @Test
    void learnsProductsThatOnlyColourTellsApartAndServesWhatItLearnt() throws Exception {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWith(tmp.resolve("zoo"), FineTuneFixtures.COCO_BACKBONE);
        Path data = FineTuneFixtures.colorSet(tmp.resolve("data"), 12, 1);
        Path heldOut = FineTuneFixtures.colorSet(tmp.resolve("held-out"), 8, 2);
        FineTune fineTune = new FineTune(new ModelStore(zoo), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), 1);
        List<FineTune.Progress> progress = new ArrayList<>();
        FineTune.Outcome out = fineTune.run(request(data, "fruit"), progress::add, () -> false);

        ModelManifest m = out.manifest();
        assertInstanceOf(MobileNetV3.class, m.architecture());
        assertEquals(new ModelManifest.InputSpec(224, 224, 3), m.input());
        assertEquals(FineTuneFixtures.COCO_BACKBONE + "@1", m.training().get("fineTunedFrom"));
        assertEquals("probe", m.training().get("recipe"), "auto: a mobilenetv3 has no trainable tail");
        assertTrue(progress.stream().anyMatch(p -> "features".equals(p.phase())), "caching reports progress");
        assertTrue(progress.stream().anyMatch(p -> "head".equals(p.phase()) && p.epoch() > 0));

        // held-out photos through the serving path (decode, the manifest's preprocessing, the batching classifier)
        int[] tagged = FineTuneFixtures.tagFolders(zoo, "fruit", m.version(), heldOut, FineTuneFixtures.COLOR_LABELS);
        assertTrue(tagged[0] >= tagged[1] * 0.9, "held-out colour photos tagged right: " + tagged[0] + "/" + tagged[1]);
    }

    @Test
    void publishingUnderTheBackbonesOwnNameIsRefused() {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWith(tmp.resolve("zoo"), FineTuneFixtures.COCO_BACKBONE);
        Path data = FineTuneFixtures.colorSet(tmp.resolve("data"), 10, 1);
        FineTune fineTune = new FineTune(new ModelStore(zoo), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), 1);
        TrainingException.Invalid e = assertThrows(TrainingException.Invalid.class,
                () -> fineTune.validate(request(data, FineTuneFixtures.COCO_BACKBONE)));
        assertTrue(e.getMessage().contains("is a backbone"), e.getMessage());
    }

    @Test
    void theBackboneItselfCannotTagPhotos() {
        TestSupport.offline();
        ModelException.NotServable e = assertThrows(ModelException.NotServable.class,
                () -> LoadedModel.load(new ModelStore(TestSupport.MODEL_ZOO), FineTuneFixtures.COCO_BACKBONE, "1"));
        assertTrue(e.getMessage().contains("fine-tune it"), e.getMessage());
    }
}
