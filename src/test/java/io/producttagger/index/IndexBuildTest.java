package io.producttagger.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.TestSupport;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.Lanes;
import io.producttagger.model.BatchClassifier;
import io.producttagger.model.InferencePool;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelStore;
import io.producttagger.model.ServingModel;
import io.producttagger.model.TinyModel;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link IndexBuild} on lanes: a build cancelled midway stops within the batches in flight, commits what it added,
 * and the next run adds exactly the rest; a finished build holds each item's own vector.
 */
class IndexBuildTest {

    private static final Lanes.Settings LANES = new Lanes.Settings(2, 4, 1, 1 << 20);

    @TempDir
    Path tmp;

    private static ServingModel embedding(Path zoo, String name, String version) {
        return new ServingModel(LoadedModel.load(new ModelStore(zoo), name, version, ModelOutput.EMBEDDING),
                new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), new InferencePool.Settings(1, 4, 0, 8),
                InferencePool.Observer.NONE);
    }

    @Test
    void aCancelledBuildStopsWithinTheBatchesInFlightCommitsAndTheNextRunAddsTheRest() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("photos"));
        for (int i = 0; i < 120; i++) {
            Files.write(folder.resolve(String.format("p-%03d.png", i)),
                    TestSupport.photo(TestSupport.fashionTest(), i % 40, 40, ".png"));
        }
        TinyModel.publish(tmp.resolve("zoo"), "tiny", "1");
        CatalogSource source = CatalogSource.open(folder, new ObjectMapper());
        IndexStore store = new IndexStore(tmp.resolve("indexes"), 2);
        try (ServingModel model = embedding(tmp.resolve("zoo"), "tiny", "1")) {
            VectorIndex.Meta meta = IndexBuild.meta(model);
            AtomicBoolean cancel = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            IndexBuild.Result first;
            try (VectorIndex index = store.openForBuild("shop", meta)) {
                first = IndexBuild.run(source, model, LANES, index, n -> {
                    if (done.addAndGet(n) >= 20) {
                        cancel.set(true);
                    }
                }, cancel::get);
            }
            assertTrue(first.cancelled(), first.toString());
            // asked once 20 were done: at most the batch that crossed 20 and two batches per lane in flight follow
            assertTrue(first.added() >= 20 && first.added() <= 20 + 4 + 2 * 2 * 4, first.toString());
            assertEquals(first.added(), done.get(), "progress counts what reached the index");
            try (VectorIndex reopened = VectorIndex.open("shop", tmp.resolve("indexes/shop"), 1)) {
                assertEquals(first.added(), reopened.size(), "what was added is committed");
            }
            IndexBuild.Result second;
            try (VectorIndex index = store.openForBuild("shop", meta)) {
                second = IndexBuild.run(source, model, LANES, index, n -> { }, () -> false);
                assertEquals(120, index.size());
                assertEquals(1, index.segments(), "a finished build merges");
            }
            assertFalse(second.cancelled());
            assertEquals(first.added(), second.skipped());
            assertEquals(120 - first.added(), second.added());
            assertEquals(List.of(), second.failures());
        }
    }

    @Test
    void aBuildOnLanesHoldsEachPhotosOwnVector() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("photos"));
        List<String> photos = List.of("bird.png", "cat.png", "grace_hopper.png", "missvickie_potato_chips.png");
        for (String photo : photos) {
            Files.copy(Path.of("test-images/imagenet").resolve(photo), folder.resolve(photo));
        }
        Files.write(folder.resolve("cat-crop.jpg"), TestSupport.croppedJpeg(folder.resolve("cat.png")));
        Files.writeString(folder.resolve("broken.png"), "not a png");
        CatalogSource source = CatalogSource.open(folder, new ObjectMapper());
        try (ServingModel model = embedding(TestSupport.MODEL_ZOO, "mobilenetv2-imagenet", "1");
                VectorIndex index = new IndexStore(tmp.resolve("indexes"), 1).openForBuild("shop",
                        IndexBuild.meta(model))) {
            IndexBuild.Result r = IndexBuild.run(source, model, new Lanes.Settings(3, 2, 1, 1 << 24), index,
                    n -> { }, () -> false);
            assertEquals(5, r.added(), r.toString());
            assertEquals(1, r.failures().size(), r.toString());
            assertTrue(r.failures().get(0).startsWith("broken.png ("), r.failures().toString());
            try (BatchClassifier one = model.newBatchClassifier(1)) {
                for (String id : List.of("bird.png", "cat.png", "cat-crop.jpg", "grace_hopper.png",
                        "missvickie_potato_chips.png")) {
                    float[] alone = one.score(List.of(one.prepare(Files.readAllBytes(folder.resolve(id))))).get(0);
                    VectorIndex.Hit first = index.search(alone, index.meta().modelId(), 2).get(0);
                    assertEquals(id, first.id());
                    assertEquals(1.0, first.similarity(), 1e-5, id);
                }
            }
        }
    }
}
