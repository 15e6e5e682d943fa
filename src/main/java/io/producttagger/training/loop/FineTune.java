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
     * Checks a request ({@link #validate}) and returns it as it will run: its recipe chosen for the base's family
     * and every setting left to the recipe filled in.
     *
     * @throws TrainingException.Invalid when the request cannot run
     */
    public FineTuneRequest resolve(FineTuneRequest request) {
        return resolved(request, validate(request));
    }

    /** The request as it runs from {@code base}, a manifest {@link #validate} returned for it. */
    private static FineTuneRequest resolved(FineTuneRequest request, ModelManifest base) {
        Architecture architecture = base.architecture().fineTuned(request.color());
        return request.resolved(request.recipe().resolve(architecture));
    }

    /**
     * Runs a fine-tune on the calling thread and publishes the result.
     *
     * @param progress told about every step and epoch
     * @param cancelled polled between steps; when true the run ends and nothing is published
     * @throws TrainingException when the data or the run fail, or the run was cancelled
     */
    public Outcome run(FineTuneRequest asked, Consumer<Progress> progress, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        ModelManifest base = validate(asked); // reads the data set's folders once
        FineTuneRequest request = resolved(asked, base);
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
        Recipe recipe = request.recipe();

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
            Augmentation augmentation = new Augmentation(Math.max(1, in.width() / 14), true, background(train));
            FineTuneRecipe.Result trained = recipe(recipe).train(new FineTuneRecipe.Input(request, model,
                    architecture, backbone, features, head, newHead, normalization, train, validation, augmentation,
                    progress, start, cancelled));
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
            training.put("recipe", recipe.id());
            training.put("how", trained.recipe());
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
            // the whole network was never initialised as one block when a recipe trained its parts
            block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                    new Shape(1, in.channels(), in.height(), in.width()));
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

    /** The implementation of a resolved recipe. */
    private static FineTuneRecipe recipe(Recipe recipe) {
        return switch (recipe) {
            case TAIL -> new CachedRecipe(true);
            case PROBE -> new CachedRecipe(false);
            case IMAGES -> new ImagesRecipe();
            case AUTO -> throw new IllegalArgumentException("resolve the recipe first");
        };
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
