package io.producttagger.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tuning the committed model on a small folder of photo-like images with new labels. */
class FineTuneTest {

    @TempDir
    Path tmp;

    private FineTune fineTune(Path zoo) {
        TestSupport.offline();
        return new FineTune(new ModelStore(zoo), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS));
    }

    private static FineTuneRequest request(Path data, int headEpochs, int epochs) {
        return new FineTuneRequest(data, "photos", "fashion", null, "shoes", headEpochs, epochs,
                FineTuneRequest.HEAD_LEARNING_RATE, FineTuneRequest.LEARNING_RATE, 8, 0.25, 10, 3, 7);
    }

    @Test
    void publishesNextVersionWithNewLabelsAndEvaluationReportWithoutServingIt() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 12);
        Files.write(data.resolve("bags").resolve("broken.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2, 3});
        List<FineTune.Progress> progress = new ArrayList<>();
        long t0 = System.nanoTime();
        FineTune.Outcome out = fineTune(zoo).run(request(data, 4, 4), progress::add, () -> false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        ModelManifest m = out.manifest();
        System.out.printf("fine-tune of 3 labels x 12 photos: %.1f s, validation top-1 %s %s%n", seconds,
                out.report().get("top1"), out.manifest().training().get("history"));
        assertEquals("1", m.version());
        assertEquals(List.of("bags", "sneakers", "trousers"), m.labels());
        ModelStore store = new ModelStore(zoo);
        assertTrue(store.servingVersion("shoes").isEmpty(), "a fine-tune must not serve until promoted");
        assertTrue(Files.isRegularFile(store.versionDir("shoes", "1").resolve(FineTune.REPORT_FILE)));
        Map<String, Object> metrics = store.manifest("shoes", "1").metrics();
        for (String k : List.of("top1", "top3", "perLabel", "confusionMatrix", "mostConfused")) {
            assertTrue(metrics.containsKey(k), k + " in " + metrics.keySet());
        }
        assertEquals(1, out.skipped().size(), "the corrupt image is skipped and listed");
        assertTrue(progress.stream().anyMatch(p -> "head".equals(p.phase())));
        assertTrue(progress.stream().anyMatch(p -> "full".equals(p.phase())));
        assertTrue(((Number) out.report().get("top1")).doubleValue() >= 0.5, "learns the new labels: "
                + out.report().get("top1"));
    }

    @Test
    void rejectsLabelWithTooFewImages() {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 4);
        TrainingException e = assertThrows(TrainingException.Invalid.class,
                () -> fineTune(zoo).validate(request(data, 1, 1)));
        assertTrue(e.getMessage().contains("at least 10 images"), e.getMessage());
    }

    @Test
    void rejectsUnknownBaseModel() {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 10);
        FineTuneRequest r = new FineTuneRequest(data, "photos", "nosuch", null, "shoes", 1, 1, 0.05f, 0.01f, 16,
                0.2, 10, 3, 1);
        TrainingException e = assertThrows(TrainingException.Invalid.class, () -> fineTune(zoo).validate(r));
        assertTrue(e.getMessage().contains("unknown base model 'nosuch'"), e.getMessage());
    }

    @Test
    void csvManifestListsImagesByLabelAndMayNotLeaveItsFolder() throws Exception {
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 2);
        Path csv = Files.writeString(data.resolve("set.csv"), "path,label\nbags/img0.jpg,bag\nbags/img1.jpg,bag\n"
                + "trousers/img0.jpg,trouser\n");
        LabeledFolderDataset set = LabeledFolderDataset.open(csv, null);
        assertEquals(List.of("bag", "trouser"), set.labels());
        assertEquals(2, set.files().get("bag").size());
        Files.writeString(csv, "../outside.jpg,bag\nbags/img0.jpg,x\n");
        TrainingException e = assertThrows(TrainingException.Invalid.class, () -> LabeledFolderDataset.open(csv, null));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void dataRootRejectsAbsoluteAndDotDotPaths() throws Exception {
        DataRoot root = new DataRoot(Files.createDirectories(tmp.resolve("root")));
        assertThrows(TrainingException.Invalid.class, () -> root.resolve("/etc"));
        assertThrows(TrainingException.Invalid.class, () -> root.resolve("../outside"));
        assertThrows(TrainingException.Invalid.class, () -> root.resolve("a/../../b"));
        assertEquals(root.root().resolve("a/b"), root.resolve("a/b"));
    }

    @Test
    void splitIsStratifiedAndSeeded() {
        LabeledImages all = TestSupport.fashionTest().head(200);
        LabeledImages[] a = FineTune.split(all, 0.2, 5);
        LabeledImages[] b = FineTune.split(all, 0.2, 5);
        assertEquals(200, a[0].size() + a[1].size());
        assertTrue(java.util.Arrays.equals(a[1].labels(), b[1].labels()));
        int[] perLabel = new int[10];
        for (int l : a[1].labels()) {
            perLabel[l]++;
        }
        for (int c : perLabel) {
            assertFalse(c == 0, "every label is in the validation split");
        }
    }
}
