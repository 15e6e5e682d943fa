package io.producttagger.cli;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.Architecture;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelRef;
import io.producttagger.model.ModelStore;
import io.producttagger.training.loop.Augmentation;
import io.producttagger.training.loop.ClassifierTrainer;
import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.loop.FineTune;
import io.producttagger.training.loop.FineTuneRequest;
import io.producttagger.training.loop.FineTuneSettings;
import io.producttagger.training.data.LabeledImages;
import io.producttagger.training.loop.ModelTraining;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code train}: trains a model on Fashion-MNIST IDX files, or with {@code --base} fine-tunes a published model
 * on a folder of label folders (the same code the admin API runs), and publishes it as a new version.
 */
@Command(name = "train", mixinStandardHelpOptions = true, resourceBundle = "io.producttagger.cli.ConfigDefaults",
        description = {"Train a model on Fashion-MNIST and publish it to the model zoo.",
            "With --base, fine-tune a published model on --data DIR holding one folder of images per label."})
final class TrainCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Option(names = "--data", paramLabel = "DIR|FILE.csv", description = "folder with the Fashion-MNIST IDX files "
            + "(default: ${DEFAULT-VALUE}), or a folder of label folders / a path,label CSV to fine-tune on")
    private Path data = FashionMnist.DEBIAN_DIR;

    @Option(names = "--base", paramLabel = "NAME[@VERSION]",
            description = "fine-tune this published model on --data (default for label folders: finetune.base-model,"
                    + " ${bundle:default.finetune.base-model})")
    private String base;

    // the fine-tune options default to the finetune.* configuration, the one place those defaults live: null here
    // means "not given on the command line", and the help shows the configuration's default (${bundle:default.KEY},
    // from ConfigDefaults) rather than a copy of it

    @Option(names = "--recipe", description = "fine-tune: auto, tail, probe or images (default: finetune.recipe, "
            + "${bundle:default.finetune.recipe})")
    private String recipe;

    @Option(names = "--head-epochs", description = "fine-tune: epochs training only the new head "
            + "(default: finetune.head-only-epochs, else the recipe's: ${bundle:recipe.headOnlyEpochs})")
    private Integer headEpochs;

    @Option(names = "--head-lr", description = "fine-tune: learning rate of the head (default: "
            + "finetune.head-learning-rate, else the recipe's: ${bundle:recipe.headLearningRate})")
    private Float headLearningRate;

    @Option(names = "--color", negatable = true, fallbackValue = "true",
            description = "fine-tune: turn a grayscale base into a colour model (default: finetune.color, "
                    + "${bundle:default.finetune.color}; "
                    + "--no-color keeps grayscale)")
    private Boolean color;

    @Option(names = "--patience", description = "fine-tune: epochs without a better validation accuracy before "
            + "stopping early (default: finetune.patience, ${bundle:default.finetune.patience})")
    private Integer patience;

    @Option(names = "--validation", description = "fine-tune: fraction of each label held out (default: "
            + "finetune.validation-fraction, ${bundle:default.finetune.validation-fraction})")
    private Double validationFraction;

    @Option(names = "--name", description = "model name to publish under (default: fashion, or the base's name)")
    private String name;

    @Option(names = "--epochs", description = "passes over the training set (default: 20; fine-tune: "
            + "finetune.epochs, else the recipe's: ${bundle:recipe.epochs}, after the head-only ones)")
    private Integer epochs;

    @Option(names = "--batch-size", description = "images per step (default: 128; fine-tune: "
            + "finetune.batch-size, else the recipe's: ${bundle:recipe.batchSize})")
    private Integer batchSize;

    @Option(names = "--lr", description = "peak learning rate (default: 0.1; fine-tune, of the trained backbone "
            + "layers: finetune.learning-rate, else the recipe's: ${bundle:recipe.learningRate})")
    private Float learningRate;

    @Option(names = "--weight-decay", description = "L2 weight decay (default: ${DEFAULT-VALUE})")
    private float weightDecay = 5e-4f;

    @Option(names = "--widths", split = ",", description = "channels per stage (default: 48,96,192)")
    private List<Integer> widths = List.of(48, 96, 192);

    @Option(names = "--convs", description = "convolutions per stage (default: ${DEFAULT-VALUE})")
    private int convs = 2;

    @Option(names = "--dropout", description = "dropout before the head (default: ${DEFAULT-VALUE})")
    private double dropout = 0.1;

    @Option(names = "--seed", description = "random seed (default: 42; fine-tune: finetune.seed, "
            + "${bundle:default.finetune.seed})")
    private Long seed;

    @Option(names = "--limit", description = "use only the first N training images (quick experiments)")
    private int limit = Integer.MAX_VALUE;

    @Option(names = "--test-limit", description = "evaluate on only the first N test images")
    private int testLimit = Integer.MAX_VALUE;

    @Option(names = "--init", paramLabel = "NAME@VERSION",
            description = "start from the parameters of a published version with the same architecture")
    private String init;

    @Option(names = "--warmup-epochs", description = "epochs of learning-rate warm-up (default: 1, 0 with --init)")
    private Integer warmupEpochs;

    @Option(names = "--promote", description = "make the new version the serving one")
    private boolean promote;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    private boolean quiet;

    @Override
    public Integer call() {
        Components components = parent.components(Map.of());
        TaggerConfig config = components.config();
        PrintStream out = System.out;
        ModelStore store = components.store();
        if (base != null || !FashionMnist.holdsTrainingSet(data)) {
            return fineTune(config, store, out, base != null ? base : config.fineTune().baseModel());
        }
        String name = this.name != null ? this.name : "fashion";
        int epochs = this.epochs != null ? this.epochs : 20;
        int batchSize = this.batchSize != null ? this.batchSize : 128;
        float learningRate = this.learningRate != null ? this.learningRate : 0.1f;
        LabeledImages train = FashionMnist.train(data).head(limit);
        LabeledImages test = FashionMnist.test(data).head(testLimit);
        var settings = ClassifierTrainer.Settings.builder().setEpochs(epochs).setBatchSize(batchSize)
                .setLearningRate(learningRate).optMomentum(0.9f).optWeightDecay(weightDecay)
                .optWarmupEpochs(warmupEpochs != null ? warmupEpochs : init != null ? 0 : Math.min(1, epochs))
                .optAugmentation(new Augmentation(2, true, 0)).optSeed(seed != null ? seed : 42).build();
        ModelManifest base = null;
        if (init != null) {
            ModelRef ref = store.resolve(init, name);
            base = store.manifest(ref.name(), ref.version());
        }
        var request = ModelTraining.Request.builder().setName(name)
                .setArchitecture(Architecture.vggBn(widths, convs, dropout))
                .setPreprocessing(FashionMnist.preprocessing(), FashionMnist.NORMALIZATION).setData(train, test)
                .optDataDescription(Map.of("dataset", "Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT License, "
                        + "Zalando SE)", "source", data.toString(), "test", "Fashion-MNIST t10k (" + test.size()
                        + " images)"))
                .optInitFrom(base).build();
        out.printf("training %s on %d images (%d test), %d epochs%n", name, train.size(), test.size(), epochs);
        ModelManifest manifest;
        try (ProgressBar bar = Progress.start("train", (long) epochs * (train.size() / Math.min(batchSize,
                train.size())), "step", quiet, System.err)) {
            manifest = new ModelTraining(store).trainAndPublish(request, settings, new ClassifierTrainer.Listener() {
                private String last = "";

                @Override
                public void onStep(int epoch, int step, int stepsPerEpoch, float loss) {
                    bar.step();
                    bar.setExtraMessage(String.format(" epoch %d/%d loss %.3f%s", epoch, epochs, loss, last));
                }

                @Override
                public void onEpoch(ClassifierTrainer.EpochSummary s) {
                    last = String.format(" test %.2f%%", 100 * s.validationAccuracy());
                    if (quiet || System.console() == null) {
                        out.printf("epoch %d/%d loss %.4f train %.2f%% test %.2f%% %.0fs %.0f img/s%n", s.epoch(),
                                s.epochs(), s.trainLoss(), 100 * s.trainAccuracy(), 100 * s.validationAccuracy(),
                                s.seconds(), s.imagesPerSecond());
                    }
                }
            }, () -> false);
        }
        if (promote) {
            store.setServing(manifest.name(), manifest.version());
        }
        out.printf("published %s@%s: test top-1 %.2f%% in %ss, %s parameters -> %s%n", manifest.name(),
                manifest.version(), 100 * ((Number) manifest.metrics().get("top1")).doubleValue(),
                manifest.training().get("trainingSeconds"), manifest.training().get("parameterCount"),
                store.versionDir(manifest.name(), manifest.version()));
        return ExitCodes.OK;
    }

    /** Fine-tunes {@code --base} on the label folders in {@code --data} through {@link FineTune}, as the API does. */
    private int fineTune(TaggerConfig config, ModelStore store, PrintStream out, String base) {
        // a flag not given on the command line is null, so its finetune.* default applies
        FineTuneRequest request = FineTuneSettings.builder().optBaseModel(base)
                .optName(name).optRecipe(recipe).optHeadOnlyEpochs(headEpochs).optEpochs(epochs).optHeadLearningRate(headLearningRate)
                .optLearningRate(learningRate).optBatchSize(batchSize).optValidationFraction(validationFraction)
                .optPatience(patience).optSeed(seed).optColor(color).build()
                .toRequest(config.fineTune(), data.toAbsolutePath(), data.toString());
        FineTune fineTune = parent.components(Map.of()).fineTune();
        request = fineTune.resolve(request);
        out.printf("fine-tuning %s on %s into %s (recipe %s)%n", base, data, request.name(), request.recipe().id());
        FineTune.Outcome outcome;
        try (ProgressBar bar = Progress.start("fine-tune", 1, "step", quiet, System.err)) {
            long[] done = {0};
            outcome = fineTune.run(request, p -> {
                if (p.stepsPerEpoch() > 0 && p.epoch() > 0) {
                    bar.maxHint((long) p.epochs() * p.stepsPerEpoch());
                    done[0] = (long) (p.epoch() - 1) * p.stepsPerEpoch() + p.step();
                    bar.stepTo(done[0]);
                }
                bar.setExtraMessage(p.epoch() == 0 ? String.format(" %s %d/%d", p.phase(), p.step(), p.stepsPerEpoch())
                        : String.format(" %s epoch %d/%d%s%s", p.phase(), p.epoch(), p.epochs(),
                        Double.isNaN(p.loss()) ? "" : String.format(" loss %.3f", p.loss()),
                        Double.isNaN(p.validationAccuracy()) ? ""
                                : String.format(" val %.1f%%", 100 * p.validationAccuracy())));
            }, () -> false);
        }
        ModelManifest m = outcome.manifest();
        if (promote) {
            store.setServing(m.name(), m.version());
        }
        outcome.skipped().forEach(s -> out.printf("skipped %s: %s%n", s.file(), s.reason()));
        out.printf("published %s@%s (%s): validation top-1 %.2f%%, top-3 %.2f%% in %ss -> %s%n", m.name(),
                m.version(), String.join(", ", m.labels()),
                100 * ((Number) outcome.report().get("top1")).doubleValue(),
                100 * ((Number) outcome.report().get("top3")).doubleValue(), m.training().get("trainingSeconds"),
                store.versionDir(m.name(), m.version()));
        return ExitCodes.OK;
    }
}
