package io.producttagger.cli;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRef;
import io.producttagger.model.ModelStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: in-process inference throughput of a model version at several batch sizes (tensors only, no
 * decoding), for comparing MXNet thread settings run by run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure in-process inference images/s at several batch sizes.")
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "NAME or NAME@VERSION (default: the configured model)")
    private String model;

    @Option(names = "--batch", split = ",", description = "batch sizes (default: 1,8,32)")
    private List<Integer> batches = List.of(1, 8, 32);

    @Option(names = "--execution", split = ",", description = "how the network runs, one pass each: GRAPH (one "
            + "MXNet graph, what serving uses), BLOCK (the imperative block) (default: GRAPH)")
    private List<LoadedModel.Execution> executions = List.of(LoadedModel.Execution.GRAPH);

    @Option(names = "--seconds", description = "measuring time per batch size (default: ${DEFAULT-VALUE})")
    private double seconds = 5;

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
        ModelManifest.InputSpec in = manifest.input();
        // a backbone has no labels to score: time what it answers, its embedding (the features, no head)
        ModelOutput output = manifest.isBackbone() ? ModelOutput.EMBEDDING : ModelOutput.LABEL_SCORES;
        int per = in.channels() * in.width() * in.height();
        Random random = new Random(1);
        out.printf("model %s@%s  MXNET_ENGINE_TYPE=%s OMP_NUM_THREADS=%s OMP_WAIT_POLICY=%s%n", name, version,
                EngineEnvironment.engineType(), System.getenv("OMP_NUM_THREADS"), EngineEnvironment.waitPolicy());
        for (LoadedModel.Execution execution : executions) {
            try (LoadedModel loaded = LoadedModel.load(store, name, version, output, execution);
                    LoadedModel.Scorer scorer = loaded.newScorer()) {
                out.printf("execution %s, output %s%n", execution, output);
                for (int batch : batches) {
                    float[] x = new float[batch * per];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) random.nextGaussian();
                    }
                    long warmEnd = System.nanoTime() + 1_000_000_000L;
                    while (System.nanoTime() < warmEnd) {
                        scorer.score(x, batch);
                    }
                    long[] lat = new long[1 << 20];
                    int n = 0;
                    long start = System.nanoTime();
                    long end = start + (long) (seconds * 1e9);
                    while (System.nanoTime() < end && n < lat.length) {
                        long t = System.nanoTime();
                        scorer.score(x, batch);
                        lat[n++] = System.nanoTime() - t;
                    }
                    double total = (System.nanoTime() - start) / 1e9;
                    java.util.Arrays.sort(lat, 0, n);
                    out.printf("batch %3d: %8.0f images/s   p50 %.2f ms   p99 %.2f ms per batch (%d batches)%n", batch,
                            n * batch / total, lat[n / 2] / 1e6, lat[(int) (n * 0.99)] / 1e6, n);
                    out.flush();
                }
            }
        }
        return ExitCodes.OK;
    }
}
