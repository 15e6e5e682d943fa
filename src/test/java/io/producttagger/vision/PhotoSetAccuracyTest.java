package io.producttagger.vision;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelStore;
import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.data.LabeledImages;
import io.producttagger.training.data.PhotoSetGenerator;
import io.producttagger.training.loop.PhotoSetEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline brings photos into the model's domain: on photo-like versions of Fashion-MNIST test images,
 * top-1 through decode + preprocessing is within 2 points of top-1 on the raw tensors. Needs the trained
 * default model in {@code model-zoo/fashion} (the lead commits it); skipped without one.
 */
class PhotoSetAccuracyTest {

    private static final int PHOTOS = 400;

    @Test
    void photosScoreWithinTwoPointsOfRawTensors(@TempDir Path dir) {
        Path zoo = Path.of("model-zoo");
        assertTrue(Files.isDirectory(zoo.resolve("fashion")), "the default model is committed in model-zoo/fashion");
        EngineEnvironment.prepare(Path.of("target/djl-cache"));
        LabeledImages raw = FashionMnist.test(Path.of("test-images/fashion-mnist")).head(PHOTOS);
        new PhotoSetGenerator(42).write(raw, PHOTOS, dir);
        ModelStore store = new ModelStore(zoo);
        try (LoadedModel model = LoadedModel.load(store, "fashion", store.resolveVersion("fashion"))) {
            PhotoSetEvaluation.Result r = new PhotoSetEvaluation(model, ImageDecoder.DEFAULT_MAX_PIXELS)
                    .evaluate(dir, raw);
            assertTrue(r.gapPoints() <= 2.0, r.toString());
        }
    }
}
