package io.producttagger.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.catalog.CatalogException;
import io.producttagger.catalog.CatalogItem;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.index.VectorIndex;
import io.producttagger.model.BatchClassifier;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import io.producttagger.vision.VisionException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
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

    /** Items added between commits: what an interrupted build loses at most. */
    private static final int COMMIT_EVERY = 256;

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT", description = "a folder of images, or a .csv/.jsonl manifest")
    private Path input;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "the index to build or extend")
    private String name;

    @Option(names = "--model", paramLabel = "NAME[@VERSION]",
            description = "model whose embeddings to index (default: model.name, its serving version)")
    private String model;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar, only the summary")
    private boolean quiet;

    @Override
    public Integer call() {
        Components components = parent.components(Map.of());
        PrintWriter out = spec.commandLine().getOut();
        CatalogSource source;
        try {
            source = CatalogSource.open(input, new ObjectMapper());
        } catch (CatalogException.InvalidArgument e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        long maxBytes = components.config().server().maxBodyBytes();
        int maxBatch = components.config().inference().maxBatch();
        long start = System.nanoTime();
        try (components; ModelRegistry.Lease lease = components.registry().acquire(model, ModelOutput.EMBEDDING)) {
            ServingModel serving = lease.model();
            long total = source.count();
            long added = 0;
            long skipped = 0;
            List<String> failures = new ArrayList<>();
            try (BatchClassifier embedder = serving.newBatchClassifier(maxBatch);
                    VectorIndex index = components.indexes().openForBuild(name, meta(serving, embedder));
                    ProgressBar bar = Progress.start("index " + name, total, "img", quiet, System.err);
                    Stream<CatalogItem> items = source.items()) {
                List<CatalogItem> batch = new ArrayList<>();
                List<float[]> tensors = new ArrayList<>();
                long sinceCommit = 0;
                for (Iterator<CatalogItem> it = items.iterator(); it.hasNext(); ) {
                    CatalogItem item = it.next();
                    if (index.contains(item.id())) {
                        skipped++;
                        bar.step();
                        continue;
                    }
                    try {
                        tensors.add(embedder.prepare(CatalogFiles.read(item, maxBytes)));
                        batch.add(item);
                    } catch (VisionException | IOException | CatalogException e) {
                        failures.add(item.id() + " (" + item.path() + "): " + e.getMessage());
                        bar.step();
                    }
                    if (batch.size() == maxBatch || !it.hasNext()) {
                        added += add(index, embedder, batch, tensors);
                        bar.stepBy(batch.size());
                        sinceCommit += batch.size();
                        batch.clear();
                        tensors.clear();
                        if (sinceCommit >= COMMIT_EVERY) {
                            index.commit();
                            sinceCommit = 0;
                        }
                    }
                }
                added += add(index, embedder, batch, tensors);
                bar.stepBy(batch.size());
                index.commit();
                out.printf(Locale.ROOT, "done: indexed %d, failed %d, skipped %d (already in the index) of %d in "
                        + "%.1f s with %s -> index '%s' (%s, %d items)%n", added, failures.size(), skipped, total,
                        (System.nanoTime() - start) / 1e9, serving.id(), name,
                        components.config().indexDir().resolve(name), index.size());
            }
            out.flush();
            failures.stream().limit(20).forEach(f -> spec.commandLine().getErr().println("  failed " + f));
            spec.commandLine().getErr().flush();
            return failures.isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
        }
    }

    private static VectorIndex.Meta meta(ServingModel serving, BatchClassifier embedder) {
        // the dimension is what the network answers: one blank image tells it without a second source of truth
        int floats = serving.manifest().input().channels() * serving.manifest().input().width()
                * serving.manifest().input().height();
        int dimension = embedder.score(List.of(new float[floats])).get(0).length;
        return new VectorIndex.Meta(serving.manifest().name(), serving.manifest().version(), dimension);
    }

    private static int add(VectorIndex index, BatchClassifier embedder, List<CatalogItem> batch,
            List<float[]> tensors) {
        if (batch.isEmpty()) {
            return 0;
        }
        List<float[]> vectors = embedder.score(tensors);
        for (int i = 0; i < batch.size(); i++) {
            CatalogItem item = batch.get(i);
            index.add(item.id(), item.path(), vectors.get(i), item.extra());
        }
        int n = batch.size();
        return n;
    }
}
