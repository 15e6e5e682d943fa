package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.vision.ImageDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bulk tagging's batches give the server's labels, and a broken image fails alone. */
class BatchClassifierTest {

    @TempDir
    static Path zoo;

    private static ServingModel serving;

    @BeforeAll
    static void load() {
        TestSupport.offline();
        TinyModel.publish(zoo, "tiny", "1");
        serving = new ServingModel(LoadedModel.load(new ModelStore(zoo), "tiny", "1"),
                new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), new InferencePool.Settings(1, 16, 5, 64),
                InferencePool.Observer.NONE);
    }

    @AfterAll
    static void close() {
        serving.close();
    }

    @Test
    void aBatchWithABrokenImageGivesTheServersLabelsForTheOthers() {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            images.add(i == 7 ? "not an image".getBytes(StandardCharsets.UTF_8)
                    : TestSupport.photo(TestSupport.fashionTest(), i, 90, ".jpg"));
        }
        List<BatchClassifier.Outcome> outcomes;
        try (BatchClassifier batch = serving.newBatchClassifier(8)) {
            outcomes = batch.classify(images, 3, 0);
        }
        assertEquals(20, outcomes.size(), "one outcome per image, in order");
        for (int i = 0; i < images.size(); i++) {
            BatchClassifier.Outcome o = outcomes.get(i);
            if (i == 7) {
                assertTrue(o.isFailure() && o.labels().isEmpty(), o.toString());
                continue;
            }
            assertNull(o.error(), o.toString());
            List<LabelScore> server = serving.tag(images.get(i), 3, 0).labels();
            assertEquals(server.stream().map(LabelScore::label).toList(),
                    o.labels().stream().map(LabelScore::label).toList(), "image " + i);
            assertEquals(server.get(0).score(), o.labels().get(0).score(), 1e-5);
        }
    }
}
