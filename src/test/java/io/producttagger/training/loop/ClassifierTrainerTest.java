package io.producttagger.training.loop;

import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.data.LabeledImages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import io.producttagger.TestSupport;
import io.producttagger.model.Architecture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClassifierTrainerTest {

    @BeforeAll
    static void offline() {
        TestSupport.offline();
    }

    @Test
    void aFewStepsOfATinyModelLowerItsLoss() {
        LabeledImages data = TestSupport.fashionTest().head(1024);
        List<Float> losses = new ArrayList<>();
        var settings = ClassifierTrainer.Settings.builder().setEpochs(3).setBatchSize(64).setLearningRate(0.1f)
                .optMomentum(0.9f).optAugmentation(Augmentation.NONE).optSeed(1).build();
        try (Model model = Model.newInstance("tiny", "MXNet")) {
            model.setBlock(Architecture.vggBn(List.of(16, 32), 1, 0).build(10));
            ClassifierTrainer.Result r = new ClassifierTrainer(settings).train(model, FashionMnist.NORMALIZATION,
                    data, data.head(256), new ClassifierTrainer.Listener() {
                        @Override
                        public void onStep(int epoch, int step, int steps, float loss) {
                            losses.add(loss);
                        }
                    }, () -> false);
            assertEquals(3 * 16, losses.size());
            double first = losses.subList(0, 4).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            double last = losses.subList(losses.size() - 4, losses.size()).stream()
                    .mapToDouble(Float::doubleValue).average().orElseThrow();
            assertTrue(last < first * 0.8, "loss " + first + " -> " + last);
            assertTrue(r.epochs().get(2).trainLoss() < r.epochs().get(0).trainLoss());
            assertTrue(r.validation().top1() > 0.3, "better than chance: " + r.validation().top1());
        }
    }

    @Test
    void cancellationStopsTheRun() {
        LabeledImages data = TestSupport.fashionTest().head(256);
        var settings = ClassifierTrainer.Settings.builder().setEpochs(5).setBatchSize(32).setLearningRate(0.05f)
                .optMomentum(0.9f).optAugmentation(Augmentation.NONE).optSeed(1).build();
        int[] steps = {0};
        try (Model model = Model.newInstance("tiny", "MXNet")) {
            model.setBlock(Architecture.vggBn(List.of(4), 1, 0).build(10));
            ClassifierTrainer.Result r = new ClassifierTrainer(settings).train(model, FashionMnist.NORMALIZATION,
                    data, null, new ClassifierTrainer.Listener() {
                        @Override
                        public void onStep(int epoch, int step, int total, float loss) {
                            steps[0]++;
                        }
                    }, () -> steps[0] >= 3);
            assertTrue(r.cancelled());
            assertEquals(3, steps[0]);
        }
    }

    @Test
    void augmentationShiftsAndFlipsWithinTheImage() {
        byte[] src = new byte[9];
        src[4] = (byte) 200; // centre pixel of a 3x3 image
        byte[] dst = new byte[9];
        new Augmentation(1, true, 0).apply(src, 0, 3, 3, 1, dst, new java.util.Random(3));
        int lit = 0;
        for (byte b : dst) {
            lit += (b & 0xFF) == 200 ? 1 : 0;
        }
        assertEquals(1, lit, "a shift by at most one pixel keeps the centre pixel inside a 3x3 image");
    }
}
