package io.producttagger.cli;

import io.producttagger.catalog.CatalogEmbedding;
import io.producttagger.catalog.CatalogItem;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.Lanes;
import io.producttagger.index.IndexBuild;
import io.producttagger.index.IndexStore;
import io.producttagger.index.NearDuplicateEvaluation;
import io.producttagger.index.VectorIndex;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code eval-duplicates}: measures near-duplicate detection and similar search on a labelled set (a manifest with
 * columns {@code original} and {@code transform}, as {@code scripts/make-near-duplicates} writes): duplicate-pair
 * precision and recall over a threshold sweep, and per transform the recall at the threshold and recall@1/@10 of
 * a real index's search.
 */
@Command(name = "eval-duplicates", mixinStandardHelpOptions = true,
        resourceBundle = "io.producttagger.cli.ConfigDefaults",
        description = {"Measure duplicate detection and similar search on a labelled near-duplicate set: a manifest "
                + "(id, path, original, transform) as scripts/make-near-duplicates writes it.",
                "Exit codes: 0 measured, 3 some images failed (measured without them), 2 usage error, 1 failure."})
final class EvalDuplicatesCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Mixin
    private CatalogInput input;

    @Mixin
    private DuplicateThreshold threshold;

    @Option(names = "--sweep", paramLabel = "FROM:TO:STEP", description = "thresholds of the precision/recall "
            + "sweep (default: ${DEFAULT-VALUE})")
    private String sweep = "0.50:0.95:0.05";

    @Override
    public Integer call() throws IOException {
        List<Double> thresholds = sweep();
        CatalogSource source = input.open(spec);
        if (!source.extraColumns().containsAll(List.of("original", "transform"))) {
            throw new ParameterException(spec.commandLine(), input.input + " has no columns original and transform:"
                    + " measure a set that scripts/make-near-duplicates wrote");
        }
        Components components = threshold.components(parent, spec);
        double cosine = components.config().duplicateThreshold();
        Lanes.Settings lanes = input.lanes(spec, components.config());
        List<NearDuplicateEvaluation.Sample> samples = new ArrayList<>();
        Path scratch = Files.createTempDirectory("eval-duplicates");
        PrintWriter out = spec.commandLine().getOut();
        try (components;
                ModelRegistry.Lease lease = components.registry().acquire(input.model, ModelOutput.EMBEDDING);
                ModelRegistry.Lease duplicates = components.registry().acquire(input.model,
                        ModelOutput.DUPLICATES)) {
            ServingModel serving = lease.model();
            long start = System.nanoTime();
            VectorIndex.Meta meta = IndexBuild.meta(serving);
            Map<String, float[]> embeddings = new HashMap<>();
            embed(source, serving, lanes, "embed", (item, vector) -> embeddings.put(item.id(), vector));
            List<String> failures = embed(source, duplicates.model(), lanes, "describe", (item, vector) -> {
                float[] embedding = embeddings.get(item.id());
                if (embedding != null) {
                    samples.add(new NearDuplicateEvaluation.Sample(item.id(), item.extra().get("original"),
                            item.extra().get("transform"), vector, embedding));
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "embedded and described %d images with %s in %.1f s (%.1f images/s, both "
                    + "outputs)%n", samples.size(), serving.id(), seconds, samples.size() / seconds);
            try (IndexStore store = new IndexStore(scratch, components.config().indexMergeThreads())) {
                try (VectorIndex index = store.openForBuild("eval", meta)) {
                    NearDuplicateEvaluation.measure(samples, cosine, thresholds, index, meta.modelId()).print(out);
                }
                store.delete("eval");
            }
            failures.stream().limit(20).forEach(f -> spec.commandLine().getErr().println("  failed " + f));
            spec.commandLine().getErr().flush();
            return failures.isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
        } finally {
            try {
                Files.deleteIfExists(scratch); // empty once the index is deleted
            } catch (IOException e) {
                // a run that failed midway leaves its scratch index in the temporary folder; its own error matters
            }
        }
    }

    /** Runs every item of {@code source} through {@code model} on the lanes; returns the failures. */
    private List<String> embed(CatalogSource source, ServingModel model, Lanes.Settings lanes, String task,
            java.util.function.BiConsumer<CatalogItem, float[]> sink) {
        try (ProgressBar bar = Progress.start(task, source.count(), "img", input.quiet, System.err);
                Stream<CatalogItem> items = source.items();
                CatalogEmbedding embedding = new CatalogEmbedding(model, lanes, bar::stepBy,
                        (item, bytes, vector) -> sink.accept(item, vector))) {
            items.forEach(embedding::add);
            embedding.flush();
            return embedding.failures();
        }
    }

    private List<Double> sweep() {
        String[] parts = sweep.split(":");
        try {
            double from = Double.parseDouble(parts[0]);
            double to = Double.parseDouble(parts[1]);
            double step = Double.parseDouble(parts[2]);
            if (parts.length != 3 || step <= 0 || from > to || from <= -1 || to > 1) {
                throw new NumberFormatException();
            }
            List<Double> out = new ArrayList<>();
            for (int i = 0; from + i * step <= to + 1e-9; i++) {
                out.add(Math.round((from + i * step) * 1000) / 1000.0);
            }
            return out;
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), "--sweep must be FROM:TO:STEP with -1 < FROM <= TO <= 1"
                    + " and STEP > 0, e.g. 0.50:0.95:0.05; got '" + sweep + "'");
        }
    }
}
