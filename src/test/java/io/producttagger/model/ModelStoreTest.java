package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.vision.PreprocessingStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    @TempDir
    Path root;

    static ModelManifest manifest(String name, String version) {
        return ModelManifest.builder().setName(name).setVersion(version).setLabels(List.of("cat", "dog"))
                .setInput(new ModelManifest.InputSpec(28, 28, 1))
                .setArchitecture(Architecture.vggBn(List.of(8, 16), 1, 0.1))
                .optPreprocessing(List.of(PreprocessingStep.of("negate"),
                        PreprocessingStep.of("normalize", Map.of("mean", List.of(0.5), "std", List.of(0.25)))))
                .optMetrics(Map.of("top1", 0.9)).optTraining(Map.of("epochs", 3)).optCreated("2026-11-28T00:00:00Z")
                .build();
    }

    @Test
    void manifestSurvivesARoundTrip() {
        ModelStore store = new ModelStore(root);
        ModelManifest m = manifest("toy", "1");
        store.publish(m, dir -> Files.writeString(dir.resolve("model-0000.params"), "x"));
        ModelManifest back = store.manifest("toy", "1");
        assertEquals(m.labels(), back.labels());
        assertEquals(m.input(), back.input());
        assertEquals(m.architecture(), back.architecture());
        assertEquals(m.preprocessing().get(1).op(), back.preprocessing().get(1).op());
        assertEquals(0.25, ((Number) ((List<?>) back.preprocessing().get(1).params().get("std")).get(0))
                .doubleValue());
        assertEquals(0.9, ((Number) back.metrics().get("top1")).doubleValue());
        assertEquals(m.created(), back.created());
    }

    @Test
    void failedPublishLeavesNoVersionAndNoTemporaryFolder() throws IOException {
        ModelStore store = new ModelStore(root);
        assertThrows(ModelException.class, () -> store.publish(manifest("toy", "1"), dir -> {
            Files.writeString(dir.resolve("model-0000.params"), "half");
            throw new IOException("disk full");
        }));
        assertFalse(Files.exists(root.resolve("toy/1")));
        try (Stream<Path> s = Files.list(root.resolve("toy"))) {
            assertEquals(0, s.count(), "no temp folder left behind");
        }
    }

    @Test
    void versionIsInvisibleUntilPublishCompletes() {
        ModelStore store = new ModelStore(root);
        store.publish(manifest("toy", "1"), dir -> { });
        store.publish(manifest("toy", "2"), dir -> {
            // while the parameters are being written, readers see only version 1
            assertEquals(List.of("1"), store.versions("toy"));
            Files.writeString(dir.resolve("model-0000.params"), "x");
        });
        assertEquals(List.of("1", "2"), store.versions("toy"));
    }

    @Test
    void refusesToOverwriteAnExistingVersion() {
        ModelStore store = new ModelStore(root);
        store.publish(manifest("toy", "1"), dir -> { });
        assertThrows(ModelException.class, () -> store.publish(manifest("toy", "1"), dir -> { }));
    }

    @Test
    void pointerSelectsTheServingVersionAndDefaultsToNewest() {
        ModelStore store = new ModelStore(root);
        for (String v : List.of("1", "2", "10")) {
            store.publish(manifest("toy", v), dir -> { });
        }
        assertEquals(List.of("1", "2", "10"), store.versions("toy"));
        assertEquals("10", store.resolveVersion("toy"));
        assertEquals("11", store.nextVersion("toy"));
        store.setServing("toy", "2");
        assertEquals("2", store.resolveVersion("toy"));
        assertThrows(ModelException.UnknownModel.class, () -> store.setServing("toy", "7"));
    }

    @Test
    void rejectsNamesThatEscapeTheStore() {
        ModelStore store = new ModelStore(root);
        assertThrows(IllegalArgumentException.class, () -> store.versionDir("..", "1"));
        assertThrows(IllegalArgumentException.class, () -> store.versionDir("toy", "../x"));
        assertThrows(IllegalArgumentException.class, () -> store.versionDir("a/b", "1"));
        assertTrue(store.models().isEmpty());
    }
}
