package io.producttagger.cli;

import io.producttagger.model.Architecture;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelRef;
import io.producttagger.model.ModelStore;
import io.producttagger.training.Augmentation;
import io.producttagger.training.ClassifierTrainer;
import io.producttagger.training.FashionMnist;
import io.producttagger.training.LabeledImages;
import io.producttagger.training.ModelTraining;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code train}: trains a model on Fashion-MNIST IDX files and publishes it as a new version. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model on Fashion-MNIST and publish it to the model zoo.")
final class TrainCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Option(names = "--data", paramLabel = "DIR", description = "folder with the Fashion-MNIST IDX files "
            + "(default: ${DEFAULT-VALUE})")
    private Path data = FashionMnist.DEBIAN_DIR;

    @Option(names = "--name", description = "model name to publish under (default: ${DEFAULT-VALUE})")
    private String name = "fashion";

    @Option(names = "--epochs", description = "passes over the training set (default: ${DEFAULT-VALUE})")
    private int epochs = 20;

    @Option(names = "--batch-size", description = "images per step (default: ${DEFAULT-VALUE})")
    private int batchSize = 128;

    @Option(names = "--lr", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    private float learningRate = 0.1f;

    @Option(names = "--weight-decay", description = "L2 weight decay (default: ${DEFAULT-VALUE})")
    private float weightDecay = 5e-4f;

    @Option(names = "--widths", split = ",", description = "channels per stage (default: 48,96,192)")
    private List<Integer> widths = List.of(48, 96, 192);

    @Option(names = "--convs", description = "convolutions per stage (default: ${DEFAULT-VALUE})")
    private int convs = 2;

    @Option(names = "--dropout", description = "dropout before the head (default: ${DEFAULT-VALUE})")
    private double dropout = 0.1;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})")
    private long seed = 42;

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
        var config = parent.config(Map.of());
        PrintStream out = System.out;
        ModelStore store = new ModelStore(config.modelZoo());
        LabeledImages train = FashionMnist.train(data).head(limit);
        LabeledImages test = FashionMnist.test(data).head(testLimit);
        var settings = new ClassifierTrainer.Settings(epochs, batchSize, learningRate, 0.9f, weightDecay,
                warmupEpochs != null ? warmupEpochs : init != null ? 0 : Math.min(1, epochs),
                new Augmentation(2, true, 0), seed);
        ModelManifest base = null;
        if (init != null) {
            ModelRef ref = store.resolve(init, name);
            base = store.manifest(ref.name(), ref.version());
        }
        var request = new ModelTraining.Request(name, Architecture.vggBn(widths, convs, dropout),
                FashionMnist.preprocessing(), FashionMnist.NORMALIZATION, train, test,
                Map.of("dataset", "Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT License, Zalando SE)",
                        "source", data.toString(), "test", "Fashion-MNIST t10k (" + test.size() + " images)"), base);
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
}
