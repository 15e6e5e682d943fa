package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.producttagger.TestSupport;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A version loaded for {@link ModelOutput#EMBEDDING} answers unit-length pooled features through the same pool. */
class EmbeddingOutputTest {

    @TempDir
    Path zoo;

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void anEmbeddingHasLengthOneAndTheFeaturesDimensionNotTheLabelCount() {
        TestSupport.offline();
        TinyModel.publish(zoo, "tiny", "1");
        ModelStore store = new ModelStore(zoo);
        byte[] photo = TestSupport.photo(TestSupport.fashionTest(), 3, 90, ".png");
        try (ServingModel serving = new ServingModel(LoadedModel.load(store, "tiny", "1", ModelOutput.EMBEDDING),
                new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), new InferencePool.Settings(1, 4, 0, 8),
                InferencePool.Observer.NONE)) {
            assertEquals(ModelOutput.EMBEDDING, serving.output());
            float[] v = serving.vector(serving.preprocess(photo)).join();
            assertNotEquals(serving.manifest().labels().size(), v.length, "a vector of features, not of labels");
            assertEquals(1.0, norm(v), 1e-4);
        }
    }

    @Test
    void thePoolAndABatchOnTheCallingThreadGiveTheSameEmbedding() {
        TestSupport.offline();
        TinyModel.publish(zoo, "tiny", "1");
        byte[] photo = TestSupport.photo(TestSupport.fashionTest(), 5, 90, ".png");
        try (ServingModel serving = new ServingModel(
                LoadedModel.load(new ModelStore(zoo), "tiny", "1", ModelOutput.EMBEDDING),
                new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), new InferencePool.Settings(1, 4, 0, 8),
                InferencePool.Observer.NONE);
                BatchClassifier batch = serving.newBatchClassifier(4)) {
            float[] pooled = serving.vector(serving.preprocess(photo)).join();
            float[] direct = batch.score(java.util.List.of(batch.prepare(photo))).get(0);
            assertArrayEquals(pooled, direct, 1e-5f);
        }
    }

    @Test
    void aBackboneLoadsForEmbeddingsButNotForLabels() {
        TestSupport.offline();
        ModelStore store = new ModelStore(TestSupport.MODEL_ZOO);
        assertThrows(ModelException.NotServable.class,
                () -> LoadedModel.load(store, "mobilenetv2-imagenet-backbone", "1"));
        try (LoadedModel model = LoadedModel.load(store, "mobilenetv2-imagenet-backbone", "1",
                ModelOutput.EMBEDDING); LoadedModel.Scorer scorer = model.newScorer()) {
            ModelManifest.InputSpec in = model.manifest().input();
            float[] image = new float[in.channels() * in.width() * in.height()];
            java.util.Arrays.fill(image, 0.3f);
            float[] v = scorer.score(image, 1);
            assertEquals(1280, v.length);
            assertEquals(1.0, norm(v), 1e-4);
        }
    }
}
