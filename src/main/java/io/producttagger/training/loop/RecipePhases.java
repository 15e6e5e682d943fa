package io.producttagger.training.loop;

import io.producttagger.training.TrainingException;

import ai.djl.Model;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs the phases of a recipe one after the other on the model's block, counting epochs across them, keeping the
 * best epoch's parameters and stopping a phase early after {@code patience} epochs without a better one.
 */
final class RecipePhases {
    private final Model model;
    private final ProgressTracker tracker;
    private final BooleanSupplier cancelled;
    private final BestParameters best;
    private final List<ClassifierTrainer.EpochSummary> history = new ArrayList<>();
    private ClassifierTrainer.Result last;

    /**
     * Creates the phases of one recipe.
     *
     * @param keepBest whether the best epoch's parameters are kept (a copy after every better epoch) for {@link
     *     #finishWithBest}; a fixed-length recipe, which publishes its last epoch, keeps none
     */
    RecipePhases(Model model, ProgressTracker tracker, BooleanSupplier cancelled, boolean keepBest) {
        this.model = model;
        this.tracker = tracker;
        this.cancelled = cancelled;
        this.best = keepBest ? new BestParameters(model) : null;
    }

    /** Trains one phase; {@code patience} of {@link Integer#MAX_VALUE} runs all its epochs. */
    void run(String name, TrainingSamples train, TrainingSamples validation, ClassifierTrainer.Settings settings,
            int patience) {
        int epochOffset = history.size();
        double[] bestInPhase = {-1};
        int[] sinceBest = {0};
        boolean[] early = {false};
        ClassifierTrainer.Listener listener = new ClassifierTrainer.Listener() {
            @Override
            public void onStep(int epoch, int step, int stepsPerEpoch, float loss) {
                tracker.step(name, epochOffset + epoch, step, stepsPerEpoch, loss);
            }

            @Override
            public void onEpoch(ClassifierTrainer.EpochSummary s) {
                tracker.epoch(s.trainLoss(), s.validationAccuracy());
                if (best != null) {
                    best.offer(epochOffset + s.epoch(), s.validationAccuracy());
                }
                if (s.validationAccuracy() > bestInPhase[0]) {
                    bestInPhase[0] = s.validationAccuracy();
                    sinceBest[0] = 0;
                } else if (++sinceBest[0] >= patience) {
                    early[0] = true;
                }
            }
        };
        last = new ClassifierTrainer(settings).train(model, train, validation, listener,
                () -> early[0] || cancelled.getAsBoolean());
        history.addAll(last.epochs());
    }

    /**
     * Ends the recipe with the best epoch's parameters in the block when the last epoch was worse on validation.
     */
    FineTuneRecipe.Result finishWithBest(String recipe, TrainingSamples validation, int batchSize,
            String augmentation) {
        if (best == null) {
            throw new IllegalStateException("these phases keep no best epoch");
        }
        Evaluation evaluation = lastEvaluation();
        int bestEpoch = history.size();
        if (best.epoch() > 0 && best.accuracy() > evaluation.top1()) {
            // the last epoch overfitted: publish the best epoch's parameters, evaluated again
            best.restore();
            evaluation = evaluate(model, validation);
            bestEpoch = best.epoch();
        }
        return new FineTuneRecipe.Result(recipe, evaluation, List.copyOf(history), bestEpoch, batchSize,
                augmentation);
    }

    /**
     * Ends the recipe with the last epoch's parameters: for fixed-length schedules, where choosing an epoch by a
     * validation set of a few images per label picks noise.
     */
    FineTuneRecipe.Result finishWithLast(String recipe, int batchSize, String augmentation) {
        return new FineTuneRecipe.Result(recipe, lastEvaluation(), List.copyOf(history), history.size(), batchSize,
                augmentation);
    }

    private Evaluation lastEvaluation() {
        if (last == null) {
            throw new TrainingException("the fine-tune ran no epoch");
        }
        return last.validation();
    }

    /** Evaluates the model in inference mode on labelled samples. */
    static Evaluation evaluate(Model model, TrainingSamples data) {
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss());
        try (Trainer trainer = model.newTrainer(config)) {
            return ClassifierTrainer.evaluate(trainer, data, 250);
        }
    }

    /**
     * A heap copy of the parameters (batch-norm running statistics included) at the epoch with the best
     * validation accuracy so far: with a few dozen images per label the last epoch is often not the best.
     */
    private static final class BestParameters {
        private final Model model;
        private byte[] saved;
        private double accuracy = -1;
        private int epoch;

        BestParameters(Model model) {
            this.model = model;
        }

        void offer(int epochNumber, double validationAccuracy) {
            if (Double.isNaN(validationAccuracy) || validationAccuracy < accuracy) {
                return;
            }
            accuracy = validationAccuracy;
            epoch = epochNumber;
            // DJL's own parameter format: MKL-DNN laid-out arrays cannot be overwritten element-wise
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                model.getBlock().saveParameters(out);
            } catch (IOException e) {
                throw new TrainingException("cannot keep the best epoch's parameters: " + e.getMessage(), e);
            }
            saved = bytes.toByteArray();
        }

        void restore() {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved))) {
                model.getBlock().loadParameters(model.getNDManager(), in);
            } catch (IOException | ai.djl.MalformedModelException e) {
                throw new TrainingException("cannot restore the best epoch's parameters: " + e.getMessage(), e);
            }
        }

        double accuracy() {
            return accuracy;
        }

        int epoch() {
            return epoch;
        }
    }
}
