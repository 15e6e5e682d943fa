package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.training.loop.ClassifierTrainer;
import io.producttagger.training.loop.Evaluation;
import io.producttagger.training.data.FashionMnist;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed default model: complete manifest, and the accuracy it records is the accuracy it has. */
class DefaultModelTest {

    private static ModelStore store;
    private static ModelManifest manifest;

    @BeforeAll
    static void open() {
        TestSupport.offline();
        store = new ModelStore(TestSupport.MODEL_ZOO);
        manifest = store.manifest("fashion", store.resolveVersion("fashion"));
    }

    @Test
    void manifestDescribesTheModelCompletely() {
        assertEquals(FashionMnist.LABELS, manifest.labels());
        assertEquals(new ModelManifest.InputSpec(28, 28, 1), manifest.input());
        assertEquals(List.of("trim_border", "resize_longest", "sharpen", "pad_square", "negate", "grayscale",
                "normalize"), manifest.preprocessing().stream().map(s -> s.op()).toList());
        assertTrue(manifest.training().containsKey("trainingSeconds"));
        assertTrue(manifest.training().containsKey("parameterCount"));
        assertTrue(manifest.training().get("dataset").toString().contains("Fashion-MNIST"));
        assertTrue(manifest.metrics().containsKey("confusionMatrix"));
        assertTrue(manifest.created().startsWith("20"));
    }

    @Test
    void reachesAtLeast94PercentAndMatchesItsManifest() {
        Evaluation e;
        try (LoadedModel m = LoadedModel.load(store, manifest.name(), manifest.version());
                LoadedModel.Scorer scorer = m.newScorer()) {
            e = ClassifierTrainer.evaluate(scorer::score,
                    manifest.normalization(),
                    TestSupport.fashionTest(), 200);
        }
        assertEquals(10_000, e.count());
        assertTrue(e.top1() >= 0.94, "top-1 " + e.top1());
        assertEquals(((Number) manifest.metrics().get("top1")).doubleValue(), e.top1(), 2e-4);
    }
}
