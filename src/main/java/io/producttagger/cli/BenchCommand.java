package io.producttagger.cli;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRef;
import io.producttagger.model.ModelStore;
import io.producttagger.model.OpenMpThreads;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: in-process inference throughput of a model version at several batch sizes (tensors only, no
 * decoding), for comparing MXNet thread settings run by run; {@code --layout} measures several threads scoring
 * at once, each on its own graph and OpenMP threads, as {@code tag}'s lanes do.
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

    @Option(names = "--layout", split = ",", converter = LayoutConverter.class, description = "THREADSxOMP, one "
            + "pass each: THREADS threads score batches at once, each with its own graph on OMP OpenMP threads "
            + "(2x1 is the layout of tag's lanes); images/s is their sum (default: one thread on "
            + "OMP_NUM_THREADS)")
    private List<Layout> layouts = List.of();

    /**
     * How many threads score at once, and on how many OpenMP threads each.
     *
     * @param threads scoring threads, each with its own scorer (so its own graph)
     * @param ompThreads OpenMP threads of each, 0 for the environment's {@code OMP_NUM_THREADS}
     */
    record Layout(int threads, int ompThreads) {
        /** One thread on the environment's OpenMP threads: what {@code bench} measured before layouts. */
        static final Layout ENVIRONMENT = new Layout(1, 0);

        @Override
        public String toString() {
            return threads + "x" + ompThreads;
        }
    }

    /** Parses {@code THREADSxOMP}, both at least 1. */
    static final class LayoutConverter implements CommandLine.ITypeConverter<Layout> {
        @Override
        public Layout convert(String value) {
            String[] parts = value.toLowerCase(java.util.Locale.ROOT).split("x", -1);
            try {
                if (parts.length == 2) {
                    int threads = Integer.parseInt(parts[0].trim());
                    int omp = Integer.parseInt(parts[1].trim());
                    if (threads >= 1 && omp >= 1 && threads <= 256 && omp <= 256) {
                        return new Layout(threads, omp);
                    }
                }
            } catch (NumberFormatException e) {
                // refused below with the value
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not THREADSxOMP with both from 1 to "
                    + "256, e.g. 2x1");
        }
    }

    /**
     * What one batch size measured.
     *
     * @param images images scored by every thread together
     * @param seconds wall time from the common start until the last thread stopped
     * @param latencies every batch's time in nanoseconds, sorted
     */
    record Timing(long images, double seconds, long[] latencies) {
        double percentileMs(double p) {
            return latencies.length == 0 ? Double.NaN
                    : latencies[Math.min(latencies.length - 1, (int) (latencies.length * p))] / 1e6;
        }
    }

    /**
     * Scores {@code x} on every thread of the layout for {@link #seconds} after a second's warm-up: the threads
     * start measuring together (a barrier) and each stops at the same deadline.
     */
    private Timing time(LoadedModel loaded, Layout layout, float[] x, int batch) {
        int n = layout.threads();
        CyclicBarrier warm = new CyclicBarrier(n);
        AtomicLong startNanos = new AtomicLong();
        List<CompletableFuture<long[]>> lanes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CompletableFuture<long[]> lane = new CompletableFuture<>();
            lanes.add(lane);
            Thread t = new Thread(() -> {
                try {
                    if (layout.ompThreads() > 0 && (!OpenMpThreads.limitCallingThread(layout.ompThreads())
                            || !OpenMpThreads.ofCallingThread().equals(Optional.of(layout.ompThreads())))) {
                        throw new IllegalStateException("could not set " + layout.ompThreads() + " OpenMP threads "
                                + "on a scoring thread (the runtime reads " + OpenMpThreads.ofCallingThread() + ")");
                    }
                    try (LoadedModel.Scorer scorer = loaded.newScorer()) {
                        long warmEnd = System.nanoTime() + 1_000_000_000L;
                        while (System.nanoTime() < warmEnd) {
                            scorer.score(x, batch);
                        }
                        warm.await();
                        startNanos.compareAndSet(0, System.nanoTime());
                        long end = startNanos.get() + (long) (seconds * 1e9);
                        long[] lat = new long[1 << 20];
                        int k = 0;
                        while (System.nanoTime() < end && k < lat.length) {
                            long s = System.nanoTime();
                            scorer.score(x, batch);
                            lat[k++] = System.nanoTime() - s;
                        }
                        lane.complete(Arrays.copyOf(lat, k));
                    }
                } catch (Exception | Error e) {
                    warm.reset(); // the others fail at the barrier instead of waiting for ever
                    lane.completeExceptionally(e);
                }
            }, "bench-" + (i + 1));
            t.setDaemon(true);
            t.start();
        }
        long[] all = lanes.stream().map(CompletableFuture::join).flatMapToLong(Arrays::stream).sorted().toArray();
        double wall = (System.nanoTime() - startNanos.get()) / 1e9;
        return new Timing((long) all.length * batch, wall, all);
    }

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
        List<Layout> runs = layouts.isEmpty() ? List.of(Layout.ENVIRONMENT) : layouts;
        for (LoadedModel.Execution execution : executions) {
            try (LoadedModel loaded = LoadedModel.load(store, name, version, output, execution)) {
                out.printf("execution %s, output %s%n", execution, output);
                for (Layout layout : runs) {
                    if (layout != Layout.ENVIRONMENT) {
                        out.printf("layout %s: %d thread(s) scoring their own batches, %d OpenMP thread(s) each%n",
                                layout, layout.threads(), layout.ompThreads());
                    }
                    for (int batch : batches) {
                        float[] x = new float[batch * per];
                        for (int i = 0; i < x.length; i++) {
                            x[i] = (float) random.nextGaussian();
                        }
                        Timing t = time(loaded, layout, x, batch);
                        out.printf("batch %3d: %8.0f images/s   p50 %.2f ms   p99 %.2f ms per batch (%d batches)%n",
                                batch, t.images() / t.seconds(), t.percentileMs(0.5), t.percentileMs(0.99),
                                t.latencies().length);
                        out.flush();
                    }
                }
            }
        }
        return ExitCodes.OK;
    }
}
