package io.producttagger.catalog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.TestSupport;
import io.producttagger.model.BatchClassifier;
import io.producttagger.model.InferencePool;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelStore;
import io.producttagger.model.ServingModel;
import io.producttagger.model.TinyModel;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.VisionException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedding a catalog on several lanes: the sink sees the items in catalog order on the calling thread, each vector
 * the bits one thread scoring the same batches gives (and what the image scored alone gives, within batch-size
 * rounding), and a broken image among many fails alone with its own message.
 */
class CatalogEmbeddingTest {

    @TempDir
    Path tmp;

    private record Received(String id, float[] vector, Thread thread) {}

    private static ServingModel tiny(Path zoo) {
        TinyModel.publish(zoo, "tiny", "1");
        return new ServingModel(LoadedModel.load(new ModelStore(zoo), "tiny", "1", ModelOutput.EMBEDDING),
                new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), new InferencePool.Settings(1, 4, 0, 8),
                InferencePool.Observer.NONE);
    }

    /** Embeds the folder on {@code lanes}; returns what reached the sink, in the order it did. */
    private static List<Received> embed(ServingModel model, Path folder, Lanes.Settings lanes, List<String> failures,
            AtomicLong progress) {
        List<Received> got = new ArrayList<>();
        try (CatalogEmbedding embedding = new CatalogEmbedding(model, lanes, progress::addAndGet,
                (item, bytes, vector) -> got.add(new Received(item.id(), vector, Thread.currentThread())));
                Stream<CatalogItem> items = CatalogSource.open(folder, new ObjectMapper()).items()) {
            items.forEach(embedding::add);
            embedding.flush();
            failures.addAll(embedding.failures());
            assertEquals(got.size(), embedding.embedded());
        }
        return got;
    }

    /** Writes {@code count} photo-like images {@code p-000.ext}, ... of growing size into a new folder. */
    private Path photos(int count, String ext) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("photos"));
        for (int i = 0; i < count; i++) {
            Files.write(folder.resolve(String.format("p-%03d.%s", i, ext)),
                    TestSupport.photo(TestSupport.fashionTest(), i, 40 + 2 * i, "." + ext));
        }
        return folder;
    }

    private static List<CatalogItem> catalog(Path folder) {
        try (Stream<CatalogItem> items = CatalogSource.open(folder, new ObjectMapper()).items()) {
            return items.toList();
        }
    }

    @Test
    void severalLanesGiveEachItemInCatalogOrderWithTheBitsOfOneThreadsBatches() throws Exception {
        Path folder = photos(30, "png");
        try (ServingModel model = tiny(tmp.resolve("zoo"))) {
            assertInOrderWithOneThreadsBits(model, folder, new Lanes.Settings(3, 4, 1, 1 << 20), 30);
        }
    }

    @Test
    void theColourModelsGraphsOnSeveralLanesGiveOneThreadsBits() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("photos"));
        for (String photo : List.of("bird.png", "cat.png", "grace_hopper.png", "missvickie_potato_chips.png")) {
            Path original = Path.of("test-images/imagenet").resolve(photo);
            Files.copy(original, folder.resolve(photo));
            Files.write(folder.resolve(photo + "-crop.jpg"), TestSupport.croppedJpeg(original));
        }
        try (ServingModel model = new ServingModel(LoadedModel.load(new ModelStore(TestSupport.MODEL_ZOO),
                "mobilenetv2-imagenet", "1", ModelOutput.EMBEDDING), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS),
                new InferencePool.Settings(1, 4, 0, 8), InferencePool.Observer.NONE)) {
            assertInOrderWithOneThreadsBits(model, folder, new Lanes.Settings(3, 2, 1, 1 << 24), 8);
        }
    }

    /**
     * Embeds the folder on the lanes and checks what reached the sink: every item once, in catalog order, on the
     * calling thread, each vector the bits one thread scoring the same consecutive batches gives, and within
     * batch-size rounding of the image scored alone.
     */
    private static void assertInOrderWithOneThreadsBits(ServingModel model, Path folder, Lanes.Settings lanes,
            int count) throws Exception {
        List<String> failures = new ArrayList<>();
        AtomicLong progress = new AtomicLong();
        List<Received> got = embed(model, folder, lanes, failures, progress);
        List<CatalogItem> items = catalog(folder);
        assertEquals(List.of(), failures);
        assertEquals(count, items.size());
        assertEquals(count, progress.get(), "every item counted once");
        assertEquals(items.stream().map(CatalogItem::id).toList(), got.stream().map(Received::id).toList(),
                "catalog order");
        assertTrue(got.stream().allMatch(r -> r.thread() == Thread.currentThread()), "the sink runs on the caller");
        int batch = lanes.maxBatch();
        try (BatchClassifier one = model.newBatchClassifier(batch)) {
            for (int from = 0; from < items.size(); from += batch) {
                List<float[]> tensors = new ArrayList<>();
                for (CatalogItem item : items.subList(from, Math.min(from + batch, items.size()))) {
                    tensors.add(one.prepare(Files.readAllBytes(item.file())));
                }
                List<float[]> want = one.score(tensors);
                for (int i = 0; i < want.size(); i++) {
                    String id = items.get(from + i).id();
                    assertArrayEquals(want.get(i), got.get(from + i).vector(), "bits of " + id);
                    assertArrayEquals(one.score(List.of(tensors.get(i))).get(0), got.get(from + i).vector(), 1e-5f,
                            "alone: " + id);
                }
            }
        }
    }

    @Test
    void aBrokenImageAmongManyFailsAloneWithItsMessageAndTheOthersKeepTheirVectors() throws Exception {
        Path folder = photos(24, "jpg");
        byte[] garbage = "this is not a jpeg".getBytes(StandardCharsets.UTF_8);
        Files.write(folder.resolve("p-009-broken.jpg"), garbage);
        try (ServingModel model = tiny(tmp.resolve("zoo"))) {
            List<String> failures = new ArrayList<>();
            AtomicLong progress = new AtomicLong();
            List<Received> got = embed(model, folder, new Lanes.Settings(2, 5, 1, 1 << 20), failures, progress);
            assertEquals(25, progress.get(), "embedded and failed items both counted");
            try (BatchClassifier one = model.newBatchClassifier(5)) {
                VisionException why = assertThrows(VisionException.class, () -> one.prepare(garbage));
                String path = folder.resolve("p-009-broken.jpg").toString();
                assertEquals(List.of("p-009-broken.jpg (" + path + "): " + why.getMessage()), failures);
                List<String> ids = new ArrayList<>(catalog(folder).stream().map(CatalogItem::id).toList());
                ids.remove("p-009-broken.jpg");
                assertEquals(ids, got.stream().map(Received::id).toList(), "the others, in catalog order");
                for (Received r : got) {
                    float[] alone = one.score(List.of(one.prepare(Files.readAllBytes(folder.resolve(r.id()))))).get(0);
                    assertArrayEquals(alone, r.vector(), 1e-5f, r.id());
                }
            }
        }
    }

    @Test
    void aFileOverTheLimitFailsAloneWithTheLimitNamed() throws Exception {
        Path folder = photos(6, "png");
        Files.write(folder.resolve("p-big.png"), TestSupport.photo(TestSupport.fashionTest(), 7, 900, ".png"));
        long limit = Files.size(folder.resolve("p-big.png")) - 1;
        try (ServingModel model = tiny(tmp.resolve("zoo"))) {
            List<String> failures = new ArrayList<>();
            List<Received> got = embed(model, folder, new Lanes.Settings(2, 4, 1, limit), failures, new AtomicLong());
            assertEquals(6, got.size());
            assertEquals(1, failures.size(), failures.toString());
            assertTrue(failures.get(0).startsWith("p-big.png (") && failures.get(0).contains(
                    "the limit is " + limit + " (server.max-body-bytes)"), failures.get(0));
        }
    }
}
