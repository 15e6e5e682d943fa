package io.producttagger.cli;

import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.Lanes;
import io.producttagger.catalog.ProcessCpu;
import io.producttagger.index.IndexBuild;
import io.producttagger.index.VectorIndex;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code index}: embeds every image of a folder or manifest and adds it to a similar-product index under
 * {@code index.dir}, streaming and resumably (ids the index already holds are skipped).
 */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = {"Embed every image of a folder (recursively) or a CSV/JSONL manifest (columns id, path, ...) "
                + "into the similar-product index NAME under index.dir (POST /v1/similar?index=NAME). Run it again "
                + "to resume or to add new items: ids already in the index are skipped.",
                "Exit codes: 0 all indexed, 3 some images failed, 2 usage error, 1 failure."})
final class IndexCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Mixin
    private CatalogInput input;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "the index to build or extend")
    private String name;

    @Override
    public Integer call() {
        CatalogSource source = input.open(spec);
        Components components = parent.components(Map.of());
        PrintWriter out = spec.commandLine().getOut();
        Lanes.Settings lanes = input.lanes(spec, components.config());
        long start = System.nanoTime();
        try (components;
                ModelRegistry.Lease lease = components.registry().acquire(input.model, ModelOutput.EMBEDDING)) {
            ServingModel serving = lease.model();
            IndexBuild.Result result;
            try (VectorIndex index = components.indexes().openForBuild(name, IndexBuild.meta(serving));
                    ProgressBar bar = Progress.start("index " + name, source.count(), "img", input.quiet,
                            System.err)) {
                long buildStart = System.nanoTime();
                double cpu = ProcessCpu.seconds();
                result = IndexBuild.run(source, serving, lanes, index, bar::stepBy, () -> false);
                // the build alone (embedding, adding, committing, merging), as tag reports its run
                long images = result.added() + result.failures().size();
                double seconds = (System.nanoTime() - buildStart) / 1e9;
                out.printf(Locale.ROOT, "done: indexed %d, failed %d, skipped %d (already in the index) of %d in "
                        + "%.1f s with %s on %d lanes, %.1f images/s, %.2f CPU-ms per image -> index '%s' (%s, %d "
                        + "items)%n", result.added(), result.failures().size(), result.skipped(), result.total(),
                        (System.nanoTime() - start) / 1e9, serving.id(), lanes.lanes(),
                        seconds > 0 ? images / seconds : 0, images > 0 ? 1000 * (ProcessCpu.seconds() - cpu) / images
                                : Double.NaN, name, components.config().indexDir().resolve(name), index.size());
            }
            out.flush();
            result.failures().stream().limit(20).forEach(f -> spec.commandLine().getErr().println("  failed " + f));
            spec.commandLine().getErr().flush();
            return result.failures().isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
        }
    }
}
