package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.config.TaggerConfig;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry's bounded cache of loaded versions, its leases, and the serving pointer it follows. */
class ModelRegistryTest {

    @TempDir
    Path zoo;

    private ModelRegistry registry(int maxOthers) {
        TestSupport.offline();
        TaggerConfig config = TaggerConfig.load(null, Map.of(), Map.of("model.zoo", zoo.toString(), "model.name",
                "m", "inference.max-other-versions", Integer.toString(maxOthers)));
        return new ModelRegistry(new ModelStore(zoo), config, new ImageDecoder(1_000_000),
                InferencePool.Observer.NONE);
    }

    private static List<String> ids(ModelRegistry registry) {
        return registry.loaded().stream().map(ServingModel::id).sorted().toList();
    }

    @Test
    void oneVersionLoadedForEmbeddingsAndForDuplicatesIsTwoEntriesEachAnsweringItsOwn() {
        TestSupport.offline();
        TaggerConfig config = TaggerConfig.load(null, Map.of(), Map.of("model.zoo",
                TestSupport.MODEL_ZOO.toString(), "model.name", "mobilenetv2-imagenet"));
        try (ModelRegistry registry = new ModelRegistry(new ModelStore(TestSupport.MODEL_ZOO), config,
                new ImageDecoder(1_000_000), InferencePool.Observer.NONE);
                ModelRegistry.Lease embedding = registry.acquire("mobilenetv2-imagenet@1", ModelOutput.EMBEDDING);
                ModelRegistry.Lease duplicates = registry.acquire("mobilenetv2-imagenet@1",
                        ModelOutput.DUPLICATES)) {
            assertEquals(ModelOutput.EMBEDDING, embedding.model().output());
            assertEquals(ModelOutput.DUPLICATES, duplicates.model().output());
        }
    }

    @Test
    void keepsTheServingVersionAndTheMostRecentlyUsedOthers() {
        for (int v = 1; v <= 5; v++) {
            TinyModel.publish(zoo, "m", Integer.toString(v));
        }
        try (ModelRegistry registry = registry(2)) {
            registry.store().setServing("m", "1");
            for (String v : List.of("1", "2", "3", "4", "5")) {
                registry.acquire("m@" + v).close();
            }
            assertEquals(List.of("m@1", "m@4", "m@5"), ids(registry));
            registry.acquire("m@4").close(); // 4 is now the most recently used: 5 goes before it
            registry.acquire("m@2").close();
            assertEquals(List.of("m@1", "m@2", "m@4"), ids(registry));
        }
    }

    @Test
    void anEvictedVersionServesItsLeasesAndClosesWhenTheLastEnds() {
        for (int v = 1; v <= 3; v++) {
            TinyModel.publish(zoo, "m", Integer.toString(v));
        }
        float[] image = new float[28 * 28];
        try (ModelRegistry registry = registry(1)) {
            registry.store().setServing("m", "1");
            ModelRegistry.Lease held = registry.acquire("m@2");
            registry.acquire("m@3").close(); // evicts 2, which is still in use
            assertFalse(ids(registry).contains("m@2"), ids(registry).toString());
            assertEquals(10, held.model().pool().classify(image).probabilities().length);
            held.close();
            assertThrows(ModelException.Overloaded.class, () -> held.model().pool().submit(image));
            held.close(); // a second close changes nothing
            try (ModelRegistry.Lease again = registry.acquire("m@2")) {
                assertEquals(10, again.model().pool().classify(image).probabilities().length);
            }
        }
    }

    @Test
    void followsAPromotionAnotherProcessWrote() {
        TinyModel.publish(zoo, "m", "1");
        TinyModel.publish(zoo, "m", "2");
        try (ModelRegistry registry = registry(2)) {
            registry.store().setServing("m", "1");
            try (ModelRegistry.Lease lease = registry.acquire(null)) {
                assertEquals("m@1", lease.model().id());
            }
            new ModelStore(zoo).setServing("m", "2"); // another process: only the pointer file changes
            try (ModelRegistry.Lease lease = registry.acquire(null)) {
                assertEquals("m@2", lease.model().id());
            }
            assertEquals("2", registry.servingVersion("m"));
        }
    }

    @Test
    void aVersionPublishedWithoutAPointerServesWhenItIsTheNewest() {
        TinyModel.publish(zoo, "m", "1");
        try (ModelRegistry registry = registry(2)) {
            assertEquals("1", registry.servingVersion("m"));
            TinyModel.publish(zoo, "m", "2");
            assertEquals("2", registry.servingVersion("m"));
        }
    }

    @Test
    void theDefaultModelIsHealthyOnceLoadedUntilTheRegistryCloses() {
        TinyModel.publish(zoo, "m", "1");
        TinyModel.publish(zoo, "other", "1");
        ModelRegistry registry = registry(2);
        try (registry) {
            assertFalse(registry.isDefaultModelHealthy(), "not loaded yet");
            registry.acquire("other").close();
            assertFalse(registry.isDefaultModelHealthy(), "another model says nothing about the default one");
            registry.acquire(null).close();
            assertTrue(registry.isDefaultModelHealthy());
        }
        assertFalse(registry.isDefaultModelHealthy());
    }

    @Test
    void aRequestNeedingOneLoadTooManyIsRefusedWhileServingVersionsAndInProcessCallersWait() throws Exception {
        for (int v = 1; v <= 3; v++) {
            TinyModel.publish(zoo, "m", Integer.toString(v));
        }
        TinyModel.publish(zoo, "other", "1");
        new ModelStore(zoo).setServing("m", "1");
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch mayLoad = new CountDownLatch(1);
        ExecutorService threads = Executors.newCachedThreadPool();
        Executor loads = task -> threads.execute(() -> {
            held.countDown();
            try {
                mayLoad.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            task.run();
        });
        TestSupport.offline();
        TaggerConfig config = TaggerConfig.load(null, Map.of(), Map.of("model.zoo", zoo.toString(), "model.name",
                "m", "inference.load-threads", "1"));
        try (ModelRegistry registry = new ModelRegistry(new ModelStore(zoo), config, new ImageDecoder(1_000_000),
                InferencePool.Observer.NONE, loads)) {
            CompletableFuture<ModelRegistry.Lease> two = registry.acquireAsync("m@2");
            held.await();
            assertFalse(two.isDone(), "m@2 loads");

            CompletionException refused = assertThrows(CompletionException.class,
                    () -> registry.acquireAsync("m@3").join());
            assertInstanceOf(ModelException.Overloaded.class, refused.getCause());
            CompletionException unknown = assertThrows(CompletionException.class,
                    () -> registry.acquireAsync("m@9").join());
            assertInstanceOf(ModelException.UnknownModel.class, unknown.getCause(), "a 404 whatever loads");
            CompletableFuture<ModelRegistry.Lease> serving = registry.acquireAsync("m");
            CompletableFuture<ModelRegistry.Lease> servingOfOther = registry.acquireAsync("other");
            CompletableFuture<ModelRegistry.Lease> inProcess = CompletableFuture.supplyAsync(
                    () -> registry.acquire("m@3"), threads);
            assertFalse(serving.isDone() || servingOfOther.isDone(), "serving versions wait their turn");

            mayLoad.countDown();
            for (CompletableFuture<ModelRegistry.Lease> f : List.of(two, serving, servingOfOther, inProcess)) {
                f.get(1, TimeUnit.MINUTES).close();
            }
            assertEquals("m@2", two.join().model().id());
            assertEquals("m@3", inProcess.join().model().id());
        } finally {
            threads.shutdown();
        }
    }

    @Test
    void malformedNamesAreInvalidAndMissingOnesUnknown() {
        TinyModel.publish(zoo, "m", "1");
        try (ModelRegistry registry = registry(2)) {
            assertThrows(ModelException.InvalidName.class, () -> registry.acquire("../m"));
            assertThrows(ModelException.InvalidName.class, () -> registry.acquire("m@1/../../x"));
            assertThrows(ModelException.UnknownModel.class, () -> registry.acquire("nope"));
            assertThrows(ModelException.UnknownModel.class, () -> registry.acquire("m@7"));
            assertTrue(registry.loaded().isEmpty());
        }
    }
}
