package io.producttagger.cli;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelRef;
import io.producttagger.model.ModelStore;
import io.producttagger.training.loop.ClassifierTrainer;
import io.producttagger.training.loop.Evaluation;
import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.data.LabeledFolderDataset;
import io.producttagger.training.data.LabeledImages;
import io.producttagger.training.loop.LabeledSetEvaluation;
import io.producttagger.vision.ImagePipeline;
import io.producttagger.vision.Normalization;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eval}: top-1, top-3, per-label precision/recall/F1 and the confusion matrix of a model version, on
 * Fashion-MNIST IDX files or on any labelled folder or {@code path,label} CSV (through the version's own decoding
 * and preprocessing).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a model version on a Fashion-MNIST-format test set, a folder of label folders or a"
                + " path,label CSV manifest."})
final class EvalCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "NAME or NAME@VERSION (default: the configured model)")
    private String model;

    @Option(names = "--data", paramLabel = "DIR|FILE.csv",
            description = "folder with t10k-images/labels IDX files (default: ${DEFAULT-VALUE}), a folder of label"
                    + " folders, or a path,label CSV")
    private Path data = Path.of("test-images/fashion-mnist");

    @Option(names = "--limit", description = "evaluate only the first N images (IDX files)")
    private int limit = Integer.MAX_VALUE;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    private boolean quiet;

    @Override
    public Integer call() {
        Components components = parent.components(Map.of());
        TaggerConfig config = components.config();
        PrintWriter out = spec.commandLine().getOut();
        ModelStore store = components.store();
        ModelRef ref = store.resolve(model, config.model());
        String name = ref.name();
        String version = ref.version();
        ModelManifest manifest = store.manifest(name, version);
        long start = System.nanoTime();
        Evaluation e;
        List<LabeledFolderDataset.Skipped> skipped = List.of();
        if (FashionMnist.holdsTestSet(data)) {
            LabeledImages test = FashionMnist.test(data).head(limit);
            if (!test.labelNames().equals(manifest.labels())) {
                throw new IllegalArgumentException("the data set's labels " + test.labelNames()
                        + " differ from the model's " + manifest.labels());
            }
            Normalization norm = manifest.normalization();
            try (LoadedModel loaded = LoadedModel.load(store, name, version);
                    LoadedModel.Scorer scorer = loaded.newScorer()) {
                e = ClassifierTrainer.evaluate(scorer::score, norm, test, 100);
            }
        } else {
            ImagePipeline pipeline = new ImagePipeline(components.decoder(),
                    manifest.preprocessing(), manifest.input().width(), manifest.input().height(),
                    manifest.input().channels());
            try (LoadedModel loaded = LoadedModel.load(store, name, version);
                    ProgressBar bar = Progress.start("eval", 1, "image", quiet, System.err)) {
                LabeledSetEvaluation.Result r = new LabeledSetEvaluation(loaded, pipeline).run(data, (done, total) -> {
                    bar.maxHint(total);
                    bar.stepTo(done);
                });
                e = r.evaluation();
                skipped = r.skipped();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf("model %s@%s on %s (%d images)%n", name, version, data, e.count());
        out.printf("top-1 %.2f%%   top-3 %.2f%%   (%.1f s, %.0f images/s)%n", 100 * e.top1(), 100 * e.top3(),
                seconds, e.count() / seconds);
        Object recorded = manifest.metrics().get("top1");
        if (recorded instanceof Number n) {
            out.printf("manifest records top-1 %.2f%%%n", 100 * n.doubleValue());
        }
        out.printf("%-14s %8s %9s %7s %7s%n", "label", "support", "precision", "recall", "f1");
        for (Evaluation.LabelStats s : e.perLabel()) {
            out.printf("%-14s %8d %9.4f %7.4f %7.4f%n", s.label(), s.support(), s.precision(), s.recall(), s.f1());
        }
        out.println("most confused (truth -> predicted):");
        for (Evaluation.Confusion c : e.mostConfused(5)) {
            out.printf("  %s -> %s: %d%n", c.truth(), c.predicted(), c.count());
        }
        out.println("confusion matrix (rows: truth, columns: predicted, in label order):");
        for (int i = 0; i < e.labels().size(); i++) {
            StringBuilder row = new StringBuilder(String.format("  %-14s", e.labels().get(i)));
            for (int count : e.confusion()[i]) {
                row.append(String.format(" %5d", count));
            }
            out.println(row);
        }
        skipped.forEach(s -> out.printf("skipped %s: %s%n", s.file(), s.reason()));
        out.flush();
        return ExitCodes.OK;
    }
}
