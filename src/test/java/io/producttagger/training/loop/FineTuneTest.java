package io.producttagger.training.loop;

import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.TrainingException;
import io.producttagger.training.data.DataRoot;
import io.producttagger.training.data.LabeledFolderDataset;
import io.producttagger.training.data.LabeledImages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.producttagger.TestSupport;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.OpenMpThreads;
import io.producttagger.vision.PreprocessingStep;
import io.producttagger.vision.Preprocessor;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.model.VggBn;
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
        return new FineTune(new ModelStore(zoo), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), 1);
    }

    private static FineTuneRequest request(Path data, int headEpochs, int epochs) {
        return request(data, headEpochs, epochs, true);
    }

    private static FineTuneRequest request(Path data, int headEpochs, int epochs, boolean color) {
        return request(data, "photos", "fashion", null, headEpochs, epochs, color);
    }

    /** A short fine-tune into {@code shoes}: batches of 8, a quarter held out, patience 3, seed 7. */
    private static FineTuneRequest request(Path data, String datasetName, String base, String baseVersion,
            int headEpochs, int epochs, boolean color) {
        return FineTuneRequest.builder().setDataset(data, datasetName).setBase(base, baseVersion).optName("shoes")
                .optHeadOnlyEpochs(headEpochs).optEpochs(epochs).optBatchSize(8).optValidationFraction(0.25)
                .optMinImagesPerLabel(10).optPatience(3).optSeed(7).optColor(color).build();
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
    void colourFineTuneOfAGrayBaseTakesRgbAndServesWhatItWasTrainedOn() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 12);
        ai.djl.engine.Engine.getEngine("MXNet"); // maps the OpenMP runtime, so there is a count to compare
        int threadsBefore = OpenMpThreads.ofCallingThread().orElseThrow();
        FineTune.Outcome out = fineTune(zoo).run(request(data, 2, 3, true), p -> { }, () -> false);
        assertEquals(threadsBefore, OpenMpThreads.ofCallingThread().orElseThrow(),
                "the calling thread gets its OpenMP threads back");
        assertEquals(1, ((Number) out.manifest().training().get("threads")).intValue());

        ModelManifest m = new ModelStore(zoo).manifest("shoes", out.manifest().version());
        assertEquals(3, m.input().channels());
        assertEquals(VggBn.COLOR_BINS, ((VggBn) m.architecture()).colorBins());
        List<String> ops = m.preprocessing().stream().map(PreprocessingStep::op).toList();
        assertTrue(ops.contains(Preprocessor.STRETCH) && !ops.contains(Preprocessor.GRAYSCALE), ops.toString());
        assertEquals(3, m.normalization().mean().length);

        // the published version loads as serving loads it and scores its validation images as the report says
        int[] tagged = FineTuneFixtures.tagFolders(zoo, "shoes", m.version(), data, FineTuneFixtures.LABELS);
        assertTrue(tagged[0] >= tagged[1] * 0.6, "served colour model tags its own training photos: " + tagged[0]
                + "/" + tagged[1]);
    }

    @Test
    void aColourVersionFineTunesAgainWithOtherLabels() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 10);
        FineTune fineTune = fineTune(zoo);
        ModelManifest first = fineTune.run(request(data, 1, 1, true), p -> { }, () -> false).manifest();
        // a second round on two of the labels, starting from the colour version just published
        Path fewer = Files.createDirectories(tmp.resolve("fewer"));
        for (String label : List.of("bags", "sneakers")) {
            Files.move(data.resolve(label), fewer.resolve(label));
        }
        FineTuneRequest again = request(fewer, "fewer", "shoes", first.version(), 1, 1, true);
        ModelManifest second = fineTune.run(again, p -> { }, () -> false).manifest();
        assertEquals("2", second.version());
        assertEquals(List.of("bags", "sneakers"), second.labels());
        assertEquals(3, second.input().channels());
        assertEquals(first.architecture(), second.architecture(), "the colour branch is kept, not added twice");
        ModelStore store = new ModelStore(zoo);
        assertEquals(store.manifest("shoes", "1").preprocessing(), store.manifest("shoes", "2").preprocessing());
        try (LoadedModel loaded = LoadedModel.load(store, "shoes", "2");
                LoadedModel.Scorer scorer = loaded.newScorer()) {
            assertEquals(2, scorer.score(new float[3 * 28 * 28], 1).length, "two labels scored");
        }
    }

    @Test
    void grayscaleFineTuneKeepsTheBasesInput() {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 10);
        ModelManifest m = fineTune(zoo).run(request(data, 1, 1, false), p -> { }, () -> false).manifest();
        assertEquals(1, m.input().channels());
        assertEquals(0, ((VggBn) m.architecture()).colorBins());
        assertEquals(new ModelStore(zoo).manifest("fashion", "1").preprocessing(), m.preprocessing());
    }

    @Test
    void headOnlyEpochsLeaveBatchNormStatisticsFollowingTheData() {
        TestSupport.offline();
        float[] plain = runningMeanAfterTraining(block -> { });
        float[] frozenThenThawed = runningMeanAfterTraining(block -> {
            ImagesRecipe.freezeBackbone(block, true);
            ImagesRecipe.freezeBackbone(block, false);
        });
        for (int c = 0; c < plain.length; c++) {
            assertTrue(plain[c] > 0.5f, "training moves the running mean towards the data's mean (about 5): " + plain[c]);
            assertEquals(plain[c], frozenThenThawed[c], 1e-5f, "a frozen then thawed backbone keeps following the data");
        }
    }

    /** Two training steps of a batch-norm layer on data of mean 5, after {@code prepare}; returns its running mean. */
    private static float[] runningMeanAfterTraining(java.util.function.Consumer<SequentialBlock> prepare) {
        try (Model model = Model.newInstance("bn", "MXNet")) {
            SequentialBlock block = new SequentialBlock().add(BatchNorm.builder().build());
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(new Shape(8, 2, 4, 4));
                prepare.accept(block);
                NDManager m = model.getNDManager();
                for (int step = 0; step < 2; step++) {
                    NDArray x = m.arange(256f).reshape(8, 2, 4, 4).mul(0.01f * (step + 1)).add(5f);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(x));
                        gc.backward(trainer.getLoss().evaluate(new NDList(m.zeros(out.head().getShape())), out));
                    }
                    trainer.step();
                }
                return block.getParameters().stream()
                        .filter(p -> p.getValue().getType() == Parameter.Type.RUNNING_MEAN).findFirst().orElseThrow()
                        .getValue().getArray().toFloatArray();
            }
        }
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
        FineTuneRequest r = FineTuneRequest.builder().setDataset(data, "photos").setBase("nosuch", null)
                .optName("shoes").optHeadOnlyEpochs(1).optEpochs(1).optHeadLearningRate(0.05f).optLearningRate(0.01f)
                .optBatchSize(16).optValidationFraction(0.2).optMinImagesPerLabel(10).optPatience(3).optSeed(1)
                .optColor(true).build();
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
