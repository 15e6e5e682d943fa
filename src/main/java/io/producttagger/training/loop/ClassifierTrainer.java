package io.producttagger.training.loop;

import io.producttagger.training.data.LabeledImages;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import io.producttagger.vision.Normalization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Trains an image classifier held by a DJL {@link Model} on in-memory images at input size.
 *
 * <p>SGD with momentum and weight decay (or AdamW, with a learning rate per parameter group), a linear warm-up
 * then cosine decay of the learning rate, random shifts and flips. Each step's arrays live in their own sub-manager that is closed after the step, so
 * native memory stays flat however long the run.
 */
public final class ClassifierTrainer {

    /**
     * How to train.
     *
     * @param epochs passes over the training set
     * @param batchSize images per step
     * @param learningRate peak learning rate
     * @param momentum SGD momentum
     * @param weightDecay L2 weight decay
     * @param warmupEpochs epochs of linear warm-up from a tenth of the peak rate
     * @param augmentation random shifts and flips
     * @param seed seed of the shuffling and augmentation
     * @param adamW AdamW (decoupled weight decay; {@code momentum} unused) instead of SGD with momentum
     * @param rateFactors learning-rate multipliers by parameter id (DJL's {@code Parameter.getId()}); a parameter
     *     not named trains at {@code learningRate}
     */
    public record Settings(int epochs, int batchSize, float learningRate, float momentum, float weightDecay,
            int warmupEpochs, Augmentation augmentation, long seed, boolean adamW, Map<String, Float> rateFactors) {
        /** Validates the settings. */
        public Settings {
            if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || warmupEpochs < 0 || warmupEpochs > epochs) {
                throw new IllegalArgumentException("epochs and batch size must be >= 1, the learning rate > 0 "
                        + "and the warm-up no longer than the run");
            }
            if (augmentation == null) {
                throw new IllegalArgumentException("augmentation is null; use Augmentation.NONE for none");
            }
            rateFactors = Map.copyOf(rateFactors);
        }

        /** Starts settings: epochs, batch size and learning rate are required, the rest optional. */
        public static Builder builder() {
            return new Builder();
        }

        /**
         * Builds {@link Settings}: {@code set*} for epochs, batch size and learning rate, {@code opt*} for SGD
         * momentum (0.9), weight decay (none), warm-up (none), augmentation (none), seed (42), the optimiser (SGD)
         * and per-parameter rate factors (none).
         */
        public static final class Builder {
            private int epochs;
            private int batchSize;
            private float learningRate = Float.NaN;
            private float momentum = 0.9f;
            private float weightDecay;
            private int warmupEpochs;
            private Augmentation augmentation = Augmentation.NONE;
            private long seed = 42;
            private boolean adamW;
            private Map<String, Float> rateFactors = Map.of();

            private Builder() {}

            /** Sets the passes over the training set (required). */
            public Builder setEpochs(int n) {
                this.epochs = n;
                return this;
            }

            /** Sets the images per step (required). */
            public Builder setBatchSize(int n) {
                this.batchSize = n;
                return this;
            }

            /** Sets the peak learning rate (required). */
            public Builder setLearningRate(float rate) {
                this.learningRate = rate;
                return this;
            }

            /** Sets the SGD momentum. */
            public Builder optMomentum(float value) {
                this.momentum = value;
                return this;
            }

            /** Sets the L2 weight decay. */
            public Builder optWeightDecay(float value) {
                this.weightDecay = value;
                return this;
            }

            /** Sets the epochs of linear warm-up from a tenth of the peak rate. */
            public Builder optWarmupEpochs(int n) {
                this.warmupEpochs = n;
                return this;
            }

            /** Sets the random shifts and flips of training images. */
            public Builder optAugmentation(Augmentation value) {
                this.augmentation = value;
                return this;
            }

            /** Sets the seed of the shuffling and augmentation. */
            public Builder optSeed(long value) {
                this.seed = value;
                return this;
            }

            /** Trains with AdamW instead of SGD with momentum. */
            public Builder optAdamW() {
                this.adamW = true;
                return this;
            }

            /** Sets learning-rate multipliers by parameter id; parameters not named keep the base rate. */
            public Builder optRateFactors(Map<String, Float> factors) {
                this.rateFactors = factors;
                return this;
            }

            /**
             * Builds the settings.
             *
             * @throws IllegalArgumentException when a required value is missing or a value is out of range
             */
            public Settings build() {
                validate();
                return new Settings(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs,
                        augmentation, seed, adamW, rateFactors);
            }

            private void validate() {
                if (epochs == 0 || batchSize == 0 || Float.isNaN(learningRate)) {
                    throw new IllegalArgumentException("training settings need epochs, a batch size and a learning "
                            + "rate (setEpochs, setBatchSize, setLearningRate)");
                }
            }
        }
    }

    /** What a trainer reports while it runs. */
    public interface Listener {
        /** Called once before the first step. */
        default void onStart(int epochs, int stepsPerEpoch) {}

        /** Called after every step with that step's mean loss. */
        default void onStep(int epoch, int step, int stepsPerEpoch, float loss) {}

        /** Called after every epoch. */
        default void onEpoch(EpochSummary summary) {}
    }

    /**
     * One finished epoch.
     *
     * @param epoch 1-based epoch number
     * @param epochs total epochs
     * @param trainLoss mean loss over the epoch's steps
     * @param trainAccuracy accuracy on the (augmented) training batches
     * @param validationAccuracy top-1 on the validation set, NaN without one
     * @param seconds wall time of the epoch including validation
     * @param imagesPerSecond training throughput of the epoch
     */
    public record EpochSummary(int epoch, int epochs, double trainLoss, double trainAccuracy,
            double validationAccuracy, double seconds, double imagesPerSecond) {

        /**
         * This epoch as an entry of a manifest's training history: figures to four decimals, -1 for none.
         *
         * @param number the epoch's number in the history (a fine-tune counts both of its phases)
         * @param accuracyKey what the held-out accuracy is called, e.g. {@code testTop1}
         */
        public Map<String, Object> toHistoryEntry(int number, String accuracyKey) {
            return Map.of("epoch", number, "loss", round(trainLoss), "trainAccuracy", round(trainAccuracy),
                    accuracyKey, round(validationAccuracy), "seconds", round(seconds));
        }

        private static double round(double v) {
            return Double.isNaN(v) ? -1 : Math.round(v * 1e4) / 1e4;
        }
    }

    /**
     * The outcome of a run.
     *
     * @param epochs the summaries of the finished epochs
     * @param validation the final evaluation on the validation set, null without one
     * @param seconds wall time of the run
     * @param cancelled whether the run stopped early because it was cancelled
     */
    public record Result(List<EpochSummary> epochs, Evaluation validation, double seconds, boolean cancelled) {}

    private final Settings settings;

    /** Creates a trainer with the given settings. */
    public ClassifierTrainer(Settings settings) {
        this.settings = settings;
    }

    /** Returns the settings. */
    public Settings settings() {
        return settings;
    }

    /**
     * Trains the model's block, which must already be set (initialised or not).
     *
     * @param validation images to evaluate after each epoch, or null
     * @param cancelled polled between steps; when it turns true the run ends after the current step
     */
    public Result train(Model model, Normalization normalization, LabeledImages train, LabeledImages validation,
            Listener listener, BooleanSupplier cancelled) {
        return train(model, TrainingSamples.images(train, normalization, settings.augmentation()),
                validation == null ? null : TrainingSamples.images(validation, normalization, Augmentation.NONE),
                listener, cancelled);
    }

    /**
     * Trains the model's block on any samples: images, or tensors a frozen network computed once.
     *
     * @param validation samples to evaluate after each epoch, or null
     * @param cancelled polled between steps; when it turns true the run ends after the current step
     */
    public Result train(Model model, TrainingSamples train, TrainingSamples validation, Listener listener,
            BooleanSupplier cancelled) {
        int n = train.size();
        int bs = Math.min(settings.batchSize(), n);
        int stepsPerEpoch = n / bs;
        int totalSteps = stepsPerEpoch * settings.epochs();
        int warmupSteps = stepsPerEpoch * settings.warmupEpochs();
        Tracker cosine = Tracker.cosine().setBaseValue(settings.learningRate())
                .optFinalValue(settings.learningRate() * 1e-3f).setMaxUpdates(Math.max(1, totalSteps)).build();
        Tracker lr = warmupSteps == 0 ? cosine : Tracker.warmUp().optWarmUpBeginValue(settings.learningRate() / 10)
                .optWarmUpSteps(warmupSteps).setMainTracker(cosine).build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(optimizer(lr));

        Shape batchShape = new Shape(bs).addAll(train.sampleShape());
        int per = train.sampleSize();
        Random random = new Random(settings.seed());
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        float[] input = new float[bs * per];
        float[] labels = new float[bs];
        List<EpochSummary> history = new ArrayList<>();
        long start = System.nanoTime();
        boolean stopped = false;
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(batchShape);
            listener.onStart(settings.epochs(), stepsPerEpoch);
            for (int epoch = 1; epoch <= settings.epochs() && !stopped; epoch++) {
                long epochStart = System.nanoTime();
                shuffle(order, random);
                double lossSum = 0;
                long correct = 0;
                int steps = 0;
                for (int step = 0; step < stepsPerEpoch; step++) {
                    if (cancelled.getAsBoolean()) {
                        stopped = true;
                        break;
                    }
                    for (int b = 0; b < bs; b++) {
                        int idx = order[step * bs + b];
                        train.write(idx, input, b * per, random);
                        labels[b] = train.label(idx);
                    }
                    try (NDManager sub = model.getNDManager().newSubManager()) {
                        NDArray x = sub.create(input, batchShape);
                        NDArray y = sub.create(labels, new Shape(bs));
                        float loss;
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList out = trainer.forward(new NDList(x));
                            NDArray l = trainer.getLoss().evaluate(new NDList(y), out);
                            gc.backward(l);
                            loss = l.getFloat();
                            correct += out.singletonOrThrow().argMax(1).toType(ai.djl.ndarray.types.DataType.FLOAT32,
                                    false).eq(y).sum().getLong();
                        }
                        trainer.step();
                        lossSum += loss;
                        steps++;
                        listener.onStep(epoch, step + 1, stepsPerEpoch, loss);
                    }
                }
                double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
                double valAcc = Double.NaN;
                if (validation != null && !stopped) {
                    valAcc = evaluate(trainer, validation, 250).top1();
                }
                if (steps > 0) {
                    EpochSummary s = new EpochSummary(epoch, settings.epochs(), lossSum / steps,
                            (double) correct / ((long) steps * bs), valAcc,
                            (System.nanoTime() - epochStart) / 1e9, steps * bs / trainSeconds);
                    history.add(s);
                    listener.onEpoch(s);
                }
            }
            Evaluation finalEval = validation == null ? null : evaluate(trainer, validation, 250);
            return new Result(history, finalEval, (System.nanoTime() - start) / 1e9, stopped);
        }
    }

    private Optimizer optimizer(Tracker lr) {
        Map<String, Float> factors = settings.rateFactors();
        if (settings.adamW()) {
            ParameterTracker perGroup = (id, updates) -> lr.getNewValue(updates) * factors.getOrDefault(id, 1f);
            return Optimizer.adamW().optLearningRateTracker(perGroup).optWeightDecays(settings.weightDecay()).build();
        }
        if (!factors.isEmpty()) {
            throw new IllegalArgumentException("rate factors need AdamW (optAdamW)");
        }
        return Optimizer.sgd().setLearningRateTracker(lr).optMomentum(settings.momentum())
                .optWeightDecays(settings.weightDecay()).build();
    }

    /** Evaluates the trainer's model (inference mode) on any labelled samples. */
    public static Evaluation evaluate(Trainer trainer, TrainingSamples data, int batchSize) {
        Model model = trainer.getModel();
        return evaluate((values, count) -> {
            try (NDManager sub = model.getNDManager().newSubManager()) {
                NDArray x = sub.create(values, new Shape(count).addAll(data.sampleShape()));
                return trainer.evaluate(new NDList(x)).singletonOrThrow().toFloatArray();
            }
        }, data, batchSize);
    }

    /** Scores a batch of samples (normalised CHW images, or cached tensors): {@code count * labels} scores out. */
    @FunctionalInterface
    public interface BatchScorer {
        /** Returns one row of label scores per sample; {@code values} may be longer than needed. */
        float[] score(float[] values, int count);
    }

    /** Evaluates any scorer on a labelled set of images, in batches. */
    public static Evaluation evaluate(BatchScorer scorer, Normalization normalization, LabeledImages data,
            int batchSize) {
        return evaluate(scorer, TrainingSamples.images(data, normalization, Augmentation.NONE), batchSize);
    }

    /** Evaluates any scorer on labelled samples, in batches. */
    public static Evaluation evaluate(BatchScorer scorer, TrainingSamples data, int batchSize) {
        Evaluation.Accumulator acc = new Evaluation.Accumulator(data.labelNames());
        int per = data.sampleSize();
        int labels = data.labelNames().size();
        for (int start = 0; start < data.size(); start += batchSize) {
            int count = Math.min(batchSize, data.size() - start);
            float[] values = new float[count * per];
            for (int i = 0; i < count; i++) {
                data.write(start + i, values, i * per, null);
            }
            float[] scores = scorer.score(values, count);
            for (int i = 0; i < count; i++) {
                acc.add(data.label(start + i), scores, i * labels);
            }
        }
        return acc.result();
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
