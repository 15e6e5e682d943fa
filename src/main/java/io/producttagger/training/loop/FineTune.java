package io.producttagger.training.loop;

import io.producttagger.training.TrainingException;
import io.producttagger.training.data.LabeledFolderDataset;
import io.producttagger.training.data.LabeledImages;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.producttagger.model.Architecture;
import io.producttagger.model.ModelException;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.model.OpenMpThreads;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import io.producttagger.vision.Normalization;
import io.producttagger.vision.PreprocessingStep;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Fine-tunes a published model on a folder of labelled images and publishes the result as the next version of
 * the target model; the new version does not serve until promoted.
 *
 * <p>Images go through the base version's own {@link ImagePipeline} (decode + declared preprocessing), so the
 * new version sees exactly what serving will feed it. When the label set differs from the base's, the base's
 * backbone is kept and a new head is trained, stopping early when validation accuracy stops improving, and the
 * best epoch's parameters are published.
 *
 * <p>The base's {@link Architecture} decides the rest: what a fine-tune of it looks like ({@link
 * Architecture#fineTuned}: a grayscale {@code vgg-bn} base gains a colour branch), its preprocessing, and which
 * recipe trains it. A family whose features carry no batch statistics ({@link Architecture#cachesFeatures}, the
 * pretrained colour backbone) gets the cached-features recipe: the frozen features run once per image, and the
 * head learns on the cached outputs in seconds. Any other family gets the whole-images recipe: the head
 * alone with the backbone frozen, then the whole network at a lower rate.
 */
public final class FineTune {

    /** The evaluation report written next to the new version's {@code model.json}. */
    public static final String REPORT_FILE = "evaluation.json";

    /** Fewest steps an epoch of the cached-features recipe makes (its batches shrink for small sets). */
    private static final int MIN_CACHED_STEPS = 8;

    /** Images per batch while computing cached features. */
    private static final int CACHE_BATCH = 32;

    /**
     * Where a run is.
     *
     * @param phase {@code loading}, {@code head} (backbone frozen) or {@code full}
     * @param epoch 1-based epoch over both phases, 0 before the first
     * @param epochs total planned epochs
     * @param step step within the epoch
     * @param stepsPerEpoch steps per epoch
     * @param loss the last step's loss, NaN before the first
     * @param validationAccuracy the last epoch's validation top-1, NaN before the first
     * @param etaSeconds estimated seconds left, -1 when unknown
     * @param history every finished epoch so far, oldest first (what a console draws its curves from)
     */
    public record Progress(String phase, int epoch, int epochs, int step, int stepsPerEpoch, double loss,
            double validationAccuracy, long etaSeconds, List<EpochPoint> history) {
        /** Copies the history. */
        public Progress {
            history = history == null ? List.of() : List.copyOf(history);
        }
    }

    /**
     * One finished epoch of a run: a point on the loss and validation-accuracy curves.
     *
     * @param epoch its 1-based number over both phases
     * @param phase {@code head} or {@code full}
     * @param loss the mean training loss of the epoch, to four decimals
     * @param validationAccuracy the validation top-1 after it, to four decimals
     */
    public record EpochPoint(int epoch, String phase, double loss, double validationAccuracy) {}

    /**
     * A finished fine-tune.
     *
     * @param manifest the published version's manifest
     * @param report the evaluation report (also in {@code evaluation.json} and the manifest's metrics)
     * @param skipped images left out because they could not be read
     */
    public record Outcome(ModelManifest manifest, Map<String, Object> report,
            List<LabeledFolderDataset.Skipped> skipped) {}

    private static final com.fasterxml.jackson.databind.ObjectWriter REPORT_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter();

    private final ModelStore store;
    private final ImageDecoder decoder;
    private final int threads;

    /**
     * Creates the service over a store, decoding images with the serving decoder's limits.
     *
     * @param threads OpenMP threads a run's operators use on its thread ({@link OpenMpThreads}); the rest of
     *     the process keeps its own
     */
    public FineTune(ModelStore store, ImageDecoder decoder, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        this.store = store;
        this.decoder = decoder;
        this.threads = threads;
    }

    /** Returns the store new versions are published to. */
    public ModelStore store() {
        return store;
    }

    /**
     * Checks a request cheaply, without decoding: the base exists and every label has enough images.
     *
     * @return the base version's manifest
     * @throws TrainingException.Invalid when the request cannot run
     */
    public ModelManifest validate(FineTuneRequest request) {
        ModelManifest base = base(request);
        if (base.isBackbone() && base.name().equals(request.name())) {
            throw new TrainingException.Invalid("name the model to publish (\"name\"): " + base.name()
                    + " is a backbone, a base without labels, and its versions stay backbones");
        }
        try {
            store.nextVersion(request.name());
        } catch (IllegalArgumentException e) {
            throw new TrainingException.Invalid(e.getMessage());
        }
        LabeledFolderDataset.open(request.dataset(), base.labels()).requireAtLeast(request.minImagesPerLabel());
        return base;
    }

    /**
     * Runs a fine-tune on the calling thread and publishes the result.
     *
     * @param progress told about every step and epoch
     * @param cancelled polled between steps; when true the run ends and nothing is published
     * @throws TrainingException when the data or the run fail, or the run was cancelled
     */
    public Outcome run(FineTuneRequest request, Consumer<Progress> progress, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        ModelManifest base = validate(request);
        Architecture baseArchitecture = base.architecture();
        Architecture architecture = baseArchitecture.fineTuned(request.color());
        ModelManifest.InputSpec in = new ModelManifest.InputSpec(base.input().width(), base.input().height(),
                architecture.inputChannels());
        List<PreprocessingStep> steps = baseArchitecture.fineTunedPreprocessing(base.preprocessing(),
                request.color());
        int totalEpochs = request.headOnlyEpochs() + request.epochs();
        progress.accept(new Progress("loading", 0, totalEpochs, 0, 0, Double.NaN, Double.NaN, -1, List.of()));
        ImagePipeline pipeline = new ImagePipeline(decoder, steps, in.width(), in.height(), in.channels());
        Normalization normalization = pipeline.normalization();
        LabeledFolderDataset dataset = LabeledFolderDataset.open(request.dataset(), base.labels());
        LabeledFolderDataset.Loaded loaded = dataset.load(pipeline, in.width(), in.height(), in.channels(),
                cancelled);
        LabeledFolderDataset.requireAtLeast(readable(dataset.labels(), loaded.images()),
                request.minImagesPerLabel(), "readable in " + dataset.folder() + " after skipping "
                        + loaded.skipped().size() + " unreadable image(s)");
        LabeledImages[] split = split(loaded.images(), request.validationFraction(), request.seed());
        LabeledImages train = split[0];
        LabeledImages validation = split[1];
        List<String> labels = dataset.labels();
        boolean sameLabels = labels.equals(base.labels());
        boolean newHead = !sameLabels || !architecture.equals(baseArchitecture);

        Optional<Integer> callerThreads = Optional.empty();
        try (Model model = Model.newInstance(request.name(), Architecture.ENGINE)) {
            callerThreads = OpenMpThreads.ofCallingThread(); // the engine, and so OpenMP, is loaded now
            OpenMpThreads.limitCallingThread(threads);
            // a new head's initial weights come from the engine's random generator: seed it, or the same request
            // trains differently depending on what the process drew before (one job runs at a time)
            ai.djl.engine.Engine.getEngine(Architecture.ENGINE).setRandomSeed((int) request.seed());
            // a backbone base (no labels) holds only its features; a classifier holds features and a head
            Block baseBlock = base.isBackbone() ? baseArchitecture.buildFeatures()
                    : baseArchitecture.build(base.labels().size());
            model.setBlock(baseBlock);
            try {
                model.load(store.versionDir(base.name(), base.version()), base.parameters());
            } catch (IOException | ai.djl.MalformedModelException e) {
                throw new TrainingException("cannot load the parameters of " + base.name() + "@" + base.version()
                        + ": " + e.getMessage(), e);
            }
            // the part of the network that comes trained from the base: frozen while a new head learns
            Block backbone = base.isBackbone() ? baseBlock : Architecture.features(baseBlock);
            Block features = baseArchitecture.transferFeatures(backbone, architecture);
            Block head = newHead ? architecture.buildHead(labels.size()) : Architecture.head(baseBlock);
            SequentialBlock block = new SequentialBlock().add(features).add(head);
            int bs = Math.min(request.batchSize(), train.size());
            Augmentation augmentation = new Augmentation(Math.max(1, in.width() / 14), true, background(train));
            Trained trained = architecture.cachesFeatures()
                    ? cachedFeatures(request, model, block, features, head, normalization, train, validation, bs,
                            progress, cancelled)
                    : wholeImages(request, model, block, backbone, normalization, train, validation, augmentation, bs,
                            progress, cancelled);
            if (cancelled.getAsBoolean()) {
                throw new TrainingException("the fine-tune was cancelled; nothing was published");
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("testSet", "validation split of " + request.datasetName() + " ("
                    + Math.round(request.validationFraction() * 100) + "% of each label, seed " + request.seed() + ")");
            report.putAll(trained.evaluation().toMap());
            report.put("trainImages", train.size());
            report.put("skipped", loaded.skipped().stream()
                    .map(s -> Map.of("file", s.file(), "reason", s.reason())).toList());
            List<ClassifierTrainer.EpochSummary> history = trained.history();
            Map<String, Object> training = new LinkedHashMap<>();
            training.put("fineTunedFrom", base.name() + "@" + base.version());
            training.put("dataset", request.datasetName());
            training.put("images", loaded.images().size());
            training.put("headReplaced", newHead);
            training.put("colorBranchAdded", architecture.inputChannels() > baseArchitecture.inputChannels());
            training.put("recipe", trained.recipe());
            training.put("headOnlyEpochs", request.headOnlyEpochs());
            training.put("headLearningRate", request.headLearningRate());
            training.put("epochs", history.size());
            training.put("bestEpoch", trained.bestEpoch());
            training.put("plannedEpochs", totalEpochs);
            training.put("learningRate", request.learningRate());
            training.put("batchSize", trained.batchSize());
            training.put("earlyStoppingPatience", request.patience());
            training.put("augmentation", trained.augmentation());
            training.put("seed", request.seed());
            training.put("threads", threads);
            training.put("trainingSeconds", Math.round((System.nanoTime() - start) / 1e9));
            training.put("history", java.util.stream.IntStream.range(0, history.size())
                    .mapToObj(i -> history.get(i).toHistoryEntry(i + 1, "validationTop1")).toList());
            String version = store.nextVersion(request.name());
            ModelManifest manifest = ModelManifest.builder().setName(request.name()).setVersion(version)
                    .setLabels(labels).setInput(in).setArchitecture(architecture).optPreprocessing(steps)
                    .optMetrics(report).optTraining(training).optCreated(Instant.now().toString()).build();
            model.setBlock(block);
            store.publish(manifest, dir -> {
                model.save(dir, manifest.parameters());
                REPORT_JSON.writeValue(dir.resolve(REPORT_FILE).toFile(), report);
            });
            return new Outcome(manifest, report, loaded.skipped());
        } finally {
            callerThreads.ifPresent(OpenMpThreads::limitCallingThread);
        }
    }

    /**
     * What a recipe produced: the block it trained now holds the parameters to publish.
     *
     * @param recipe how it trained, for the manifest
     * @param evaluation the validation evaluation of those parameters
     * @param history every epoch of both phases
     * @param bestEpoch the epoch whose parameters are published
     * @param batchSize the samples per step it trained with
     * @param augmentation what it did to the training images, for the manifest
     */
    private record Trained(String recipe, Evaluation evaluation, List<ClassifierTrainer.EpochSummary> history,
            int bestEpoch, int batchSize, String augmentation) {}

    /**
     * The recipe for families whose features train as a whole (batch-norm statistics that must follow the new
     * data): the new head alone with the backbone frozen, then the whole network, on augmented images.
     */
    private static Trained wholeImages(FineTuneRequest request, Model model, SequentialBlock block, Block backbone,
            Normalization normalization, LabeledImages train, LabeledImages validation, Augmentation augmentation,
            int bs, Consumer<Progress> progress, BooleanSupplier cancelled) {
        model.setBlock(block);
        TrainingSamples trainSamples = TrainingSamples.images(train, normalization, augmentation);
        TrainingSamples validationSamples = TrainingSamples.images(validation, normalization, Augmentation.NONE);
        int totalEpochs = request.headOnlyEpochs() + request.epochs();
        Tracker tracker = new Tracker(progress, totalEpochs, (long) (train.size() / bs) * totalEpochs,
                System.nanoTime());
        Phases phases = new Phases(model, tracker, cancelled);
        if (request.headOnlyEpochs() > 0) {
            freezeBackbone(backbone, true);
            try {
                phases.run("head", trainSamples, validationSamples, phase(request.headOnlyEpochs(), bs,
                        request.headLearningRate(), 1e-4f, augmentation, request.seed()), Integer.MAX_VALUE);
            } finally {
                freezeBackbone(backbone, false);
            }
        }
        if (request.epochs() > 0 && !cancelled.getAsBoolean()) {
            phases.run("full", trainSamples, validationSamples, phase(request.epochs(), bs, request.learningRate(),
                    5e-4f, augmentation, request.seed() + 1), request.patience());
        }
        return phases.finish("images: the new head " + request.headOnlyEpochs() + " epochs with the backbone"
                + " frozen, then the whole network", validationSamples, bs, augmentation.toString());
    }

    /**
     * The recipe for families whose features can be frozen and cached ({@link Architecture#cachesFeatures}): the
     * features block runs once on each training and validation image, then the head trains on the cached vectors,
     * first at the head rate and then at the whole-network rate, so an epoch costs milliseconds. Each image is cached
     * as it is: measured on the departments set, four augmented views of each instead gave 59.0% held-out top-1
     * against 60.2%, in 40 s instead of 14 s.
     */
    private static Trained cachedFeatures(FineTuneRequest request, Model model, SequentialBlock block,
            Block features, Block head, Normalization normalization, LabeledImages train, LabeledImages validation,
            int bs, Consumer<Progress> progress, BooleanSupplier cancelled) {
        int totalEpochs = request.headOnlyEpochs() + request.epochs();
        // a step on cached features costs next to nothing, so small sets take smaller batches and every epoch
        // makes at least MIN_CACHED_STEPS steps: at the minimum of 10 images per label the head otherwise made one
        // step an epoch and stopped undertrained
        int trainBs = Math.max(1, Math.min(bs, train.size() / MIN_CACHED_STEPS));
        long cacheSteps = batches(train.size()) + batches(validation.size());
        Tracker tracker = new Tracker(progress, totalEpochs, cacheSteps + (long) (train.size() / trainBs) * totalEpochs,
                System.nanoTime());
        TrainingSamples trainSamples = cache(model, features, TrainingSamples.images(train, normalization,
                Augmentation.NONE), tracker, cancelled);
        TrainingSamples validationSamples = cache(model, features, TrainingSamples.images(validation, normalization,
                Augmentation.NONE), tracker, cancelled);
        model.setBlock(head);
        Phases phases = new Phases(model, tracker, cancelled);
        if (request.headOnlyEpochs() > 0 && !cancelled.getAsBoolean()) {
            phases.run("head", trainSamples, validationSamples, phase(request.headOnlyEpochs(), trainBs,
                    request.headLearningRate(), 1e-4f, Augmentation.NONE, request.seed()), request.patience());
        }
        if (request.epochs() > 0 && !cancelled.getAsBoolean()) {
            phases.run("full", trainSamples, validationSamples, phase(request.epochs(), trainBs,
                    request.learningRate(), 1e-4f, Augmentation.NONE, request.seed() + 1), request.patience());
        }
        Trained trained = phases.finish("cached features: the frozen backbone ran once on each training image; the"
                + " head trained on them at the head rate, then at the whole-network rate", validationSamples, trainBs,
                "none (features cached once per image)");
        // the whole network was never initialised as one block, only its parts (which keep their parameters)
        block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                new Shape(1, train.channels(), train.height(), train.width()));
        model.setBlock(block);
        return trained;
    }

    /** The settings of one phase of a recipe: SGD with momentum 0.9 and no warm-up, as every phase trains. */
    private static ClassifierTrainer.Settings phase(int epochs, int batchSize, float learningRate, float weightDecay,
            Augmentation augmentation, long seed) {
        return ClassifierTrainer.Settings.builder().setEpochs(epochs).setBatchSize(batchSize)
                .setLearningRate(learningRate).optMomentum(0.9f).optWeightDecay(weightDecay)
                .optAugmentation(augmentation).optSeed(seed).build();
    }

    private static int batches(int samples) {
        return (samples + CACHE_BATCH - 1) / CACHE_BATCH;
    }

    /** Runs samples through a frozen block (inference mode) in batches and keeps its outputs. */
    private static TrainingSamples.Cached cache(Model model, Block frozen, TrainingSamples samples, Tracker tracker,
            BooleanSupplier cancelled) {
        int n = samples.size();
        int per = samples.sampleSize();
        int[] labels = new int[n];
        float[] input = new float[CACHE_BATCH * per];
        float[] data = new float[0];
        Shape outShape = new Shape(0);
        ParameterStore parameters = new ParameterStore(model.getNDManager(), false);
        for (int start = 0; start < n && !cancelled.getAsBoolean(); start += CACHE_BATCH) {
            int count = Math.min(CACHE_BATCH, n - start);
            for (int i = 0; i < count; i++) {
                samples.write(start + i, input, i * per, null);
                labels[start + i] = samples.label(start + i);
            }
            try (NDManager sub = model.getNDManager().newSubManager()) {
                NDArray x = sub.create(java.util.Arrays.copyOf(input, count * per),
                        new Shape(count).addAll(samples.sampleShape()));
                NDArray out = frozen.forward(parameters, new NDList(x), false).singletonOrThrow();
                if (start == 0) {
                    outShape = out.getShape().slice(1);
                    data = new float[Math.toIntExact(n * outShape.size())];
                }
                float[] values = out.toFloatArray();
                System.arraycopy(values, 0, data, Math.toIntExact(start * outShape.size()), values.length);
            }
            tracker.step("features", 0, start / CACHE_BATCH + 1, batches(n), Float.NaN);
        }
        if (cancelled.getAsBoolean()) {
            throw new TrainingException("the fine-tune was cancelled; nothing was published");
        }
        return new TrainingSamples.Cached(outShape, data, labels, samples.labelNames());
    }

    /**
     * Runs the phases of a recipe one after the other on the model's block, counting epochs across them, keeping
     * the best epoch's parameters and stopping a phase early after {@code patience} epochs without a better one.
     */
    private static final class Phases {
        private final Model model;
        private final Tracker tracker;
        private final BooleanSupplier cancelled;
        private final BestParameters best;
        private final List<ClassifierTrainer.EpochSummary> history = new ArrayList<>();
        private ClassifierTrainer.Result last;

        Phases(Model model, Tracker tracker, BooleanSupplier cancelled) {
            this.model = model;
            this.tracker = tracker;
            this.cancelled = cancelled;
            this.best = new BestParameters(model);
        }

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
                    best.offer(epochOffset + s.epoch(), s.validationAccuracy());
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

        /** Puts the best epoch's parameters back into the block when the last epoch was worse. */
        Trained finish(String recipe, TrainingSamples validation, int batchSize, String augmentation) {
            if (last == null) {
                throw new TrainingException("the fine-tune ran no epoch");
            }
            Evaluation evaluation = last.validation();
            int bestEpoch = history.size();
            if (best.epoch() > 0 && best.accuracy() > evaluation.top1()) {
                // the last epoch overfitted: publish the best epoch's parameters, evaluated again
                best.restore();
                evaluation = evaluate(model, validation);
                bestEpoch = best.epoch();
            }
            return new Trained(recipe, evaluation, List.copyOf(history), bestEpoch, batchSize, augmentation);
        }
    }

    private ModelManifest base(FineTuneRequest request) {
        try {
            String version = request.baseVersion() != null ? request.baseVersion()
                    : store.resolveVersion(request.baseModel());
            return store.manifest(request.baseModel(), version);
        } catch (ModelException.UnknownModel | IllegalArgumentException e) {
            throw new TrainingException.Invalid("unknown base model '" + request.baseModel()
                    + (request.baseVersion() == null ? "" : "@" + request.baseVersion()) + "': " + e.getMessage()
                    + "; known models: " + store.models());
        }
    }

    /**
     * Freezes or unfreezes the parameters the optimiser learns. Batch norm's running statistics are left alone:
     * freezing and then unfreezing them would mark them trainable (DJL's {@code Parameter.freeze(false)} sets
     * {@code requiresGradient} on any parameter), after which they stop following the data and the network
     * evaluates new products with the base's statistics. Measured: validation top-1 of a 6-label colour set went
     * from about 40% to 72% once the statistics followed the data again.
     */
    static void freezeBackbone(Block backbone, boolean freeze) {
        backbone.freezeParameters(freeze,
                p -> p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR);
    }

    /** Evaluates the model in inference mode on labelled samples. */
    private static Evaluation evaluate(Model model, TrainingSamples data) {
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
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
                model.getBlock().saveParameters(out);
            } catch (IOException e) {
                throw new TrainingException("cannot keep the best epoch's parameters: " + e.getMessage(), e);
            }
            saved = bytes.toByteArray();
        }

        void restore() {
            try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(saved))) {
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

    /** Reports progress with an ETA from the mean step time so far. */
    private static final class Tracker {
        private final Consumer<Progress> out;
        private final int epochs;
        private final long totalSteps;
        private final long start;
        private long done;
        private String phase = "head";
        private int epoch;
        private int step;
        private int stepsPerEpoch;
        private double loss = Double.NaN;
        private double validation = Double.NaN;
        private List<EpochPoint> history = List.of();

        Tracker(Consumer<Progress> out, int epochs, long totalSteps, long start) {
            this.out = out;
            this.epochs = epochs;
            this.totalSteps = totalSteps;
            this.start = start;
        }

        void step(String phaseName, int epochNumber, int stepNumber, int steps, float stepLoss) {
            phase = phaseName;
            epoch = epochNumber;
            step = stepNumber;
            stepsPerEpoch = steps;
            loss = stepLoss;
            done++;
            publish();
        }

        void epoch(double trainLoss, double validationAccuracy) {
            validation = validationAccuracy;
            List<EpochPoint> next = new ArrayList<>(history);
            next.add(new EpochPoint(epoch, phase, round4(trainLoss), round4(validationAccuracy)));
            history = List.copyOf(next); // one copy an epoch; every step's progress shares it
            publish();
        }

        private static double round4(double v) {
            return Double.isNaN(v) ? -1 : Math.round(v * 1e4) / 1e4;
        }

        private void publish() {
            double perStep = (System.nanoTime() - start) / 1e9 / Math.max(1, done);
            long eta = Math.round(perStep * Math.max(0, totalSteps - done));
            out.accept(new Progress(phase, epoch, epochs, step, stepsPerEpoch, loss, validation, eta, history));
        }
    }

    /** Splits each label's images at random (seeded) into training and at least one validation image. */
    static LabeledImages[] split(LabeledImages all, double fraction, long seed) {
        Random random = new Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        for (int label = 0; label < all.labelNames().size(); label++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (all.labels()[i] == label) {
                    idx.add(i);
                }
            }
            java.util.Collections.shuffle(idx, random);
            int v = Math.min(idx.size() - 1, Math.max(1, (int) Math.round(idx.size() * fraction)));
            val.addAll(idx.subList(0, v));
            train.addAll(idx.subList(v, idx.size()));
        }
        java.util.Collections.shuffle(train, random);
        return new LabeledImages[] {all.select(train.stream().mapToInt(Integer::intValue).toArray()),
                all.select(val.stream().mapToInt(Integer::intValue).toArray())};
    }

    /** Counts the decoded images of each label. */
    private static Map<String, Integer> readable(List<String> labels, LabeledImages images) {
        int[] counts = new int[labels.size()];
        for (int l : images.labels()) {
            counts[l]++;
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            out.put(labels.get(i), counts[i]);
        }
        return out;
    }

    /** The most common corner value after preprocessing: what shifted-in areas should look like. */
    private static int background(LabeledImages images) {
        int[] hist = new int[256];
        int w = images.width();
        int h = images.height();
        int c = images.channels();
        for (int i = 0; i < images.size(); i++) {
            int off = i * images.imageBytes();
            for (int corner : new int[] {0, (w - 1) * c, (h - 1) * w * c, ((h - 1) * w + w - 1) * c}) {
                hist[images.pixels()[off + corner] & 0xff]++;
            }
        }
        int best = 0;
        for (int v = 1; v < 256; v++) {
            if (hist[v] > hist[best]) {
                best = v;
            }
        }
        return best;
    }
}
