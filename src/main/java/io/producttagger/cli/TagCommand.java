package io.producttagger.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.catalog.CatalogException;
import io.producttagger.catalog.CatalogRow;
import io.producttagger.catalog.CatalogRun;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.DecodeOnlyTagger;
import io.producttagger.catalog.InProcessTagger;
import io.producttagger.catalog.Lanes;
import io.producttagger.catalog.OutputFormat;
import io.producttagger.catalog.RemoteTagger;
import io.producttagger.catalog.ResultWriter;
import io.producttagger.catalog.Tagger;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ServingModel;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code tag}: tags a whole catalog (a folder or a CSV/JSONL manifest) into a CSV or JSONL file, resumably. */
@Command(name = "tag", mixinStandardHelpOptions = true,
        description = {"Tag every image of a folder (recursively) or a CSV/JSONL manifest (columns id, path, ...) "
                + "and write one CSV or JSONL row per image.",
                "Exit codes: 0 all tagged, 3 some images failed (see the error column), 2 usage error, 1 failure."})
final class TagCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT", description = "a folder of images, or a .csv/.jsonl manifest")
    private Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
            description = "result file, .csv or .jsonl")
    private Path output;

    @Option(names = "--format", paramLabel = "csv|jsonl", description = "output format (default: from the extension)")
    private String format;

    @Option(names = "--model", paramLabel = "NAME[@VERSION]",
            description = "model to use (default: model.name, its serving version)")
    private String model;

    @Option(names = "--server", paramLabel = "URL",
            description = "tag against a running server instead of loading the model here")
    private URI server;

    @Option(names = "--concurrency", description = "requests in flight with --server (default: ${DEFAULT-VALUE})")
    private int concurrency = 8;

    @Option(names = "--retries", description = "retries per image on 503 or connection errors with --server "
            + "(default: ${DEFAULT-VALUE})")
    private int retries = RemoteTagger.Retries.defaults().maxRetries();

    @Option(names = "--threads", description = "in-process: lanes, threads that each read, decode and score their "
            + "own batches; with --server: threads that read (default: the number of cores, ${DEFAULT-VALUE})")
    private int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--top-k", paramLabel = "K", description = "labels per image (default: inference.top-k)")
    private Integer topK;

    @Option(names = "--threshold", description = "lowest probability reported (default: ${DEFAULT-VALUE})")
    private double threshold;

    @Option(names = "--resume", description = "continue an interrupted run: skip the ids the output already holds")
    private boolean resume;

    @Option(names = "--overwrite", description = "replace an existing output")
    private boolean overwrite;

    @Option(names = "--decode-only", description = "only read, decode and preprocess the images as the model "
            + "would (benchmark ceiling; no inference, no labels)")
    private boolean decodeOnly;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar, only the summary")
    private boolean quiet;

    @Override
    public Integer call() {
        if (resume && overwrite) {
            throw new ParameterException(spec.commandLine(), "--resume and --overwrite exclude each other");
        }
        if (threads < 1 || concurrency < 1 || retries < 0 || (topK != null && topK < 1)) {
            throw new ParameterException(spec.commandLine(),
                    "--threads, --concurrency and --top-k must be >= 1 and --retries >= 0");
        }
        Components components = parent.components(Map.of());
        TaggerConfig config = components.config();
        int k = topK != null ? topK : config.inference().topK();
        ObjectMapper json = new ObjectMapper();
        PrintWriter out = spec.commandLine().getOut();
        ResultWriter.Mode mode = resume ? ResultWriter.Mode.RESUME
                : overwrite ? ResultWriter.Mode.OVERWRITE : ResultWriter.Mode.CREATE;
        CatalogSource source;
        OutputFormat fmt;
        try {
            source = CatalogSource.open(input, json);
            fmt = format != null ? OutputFormat.named(format) : OutputFormat.forPath(output);
            ResultWriter.checkOutput(output, mode);
        } catch (CatalogException.InvalidArgument e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        long maxFileBytes = config.server().maxBodyBytes();
        try (components) {
            Tagger tagger;
            int window;
            if (server != null && !decodeOnly) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                RemoteTagger.Retries defaults = RemoteTagger.Retries.defaults();
                tagger = new RemoteTagger(server, model, k, threshold, client, json, Math.min(threads, concurrency),
                        maxFileBytes, new RemoteTagger.Retries(retries, defaults.backoff(), defaults.maxWait(),
                                defaults.requestTimeout()));
                window = concurrency;
            } else {
                ServingModel serving = components.registry().acquire(model).model(); // held until the end
                if (decodeOnly) {
                    tagger = new DecodeOnlyTagger(serving, threads, maxFileBytes);
                    window = threads * 4;
                } else {
                    serving.warmUp();
                    InProcessTagger.Settings lanes = laneSettings(config, threads, k, threshold);
                    tagger = new InProcessTagger(serving, lanes);
                    window = lanes.window();
                }
            }
            // The output is opened only once the tagger works, so a wrong --model leaves no file behind.
            try (tagger; ResultWriter writer = openWriter(fmt, k, source, mode, json)) {
                return run(source, writer, tagger, window, out);
            }
        }
    }

    /** Returns the lanes of in-process tagging: {@code threads} lanes as {@link Lanes.Settings#of} makes them. */
    static InProcessTagger.Settings laneSettings(TaggerConfig config, int threads, int topK, double threshold) {
        return new InProcessTagger.Settings(Lanes.Settings.of(config, threads), topK, threshold);
    }

    private ResultWriter openWriter(OutputFormat fmt, int k, CatalogSource source, ResultWriter.Mode mode,
            ObjectMapper json) {
        try {
            return new ResultWriter(output, fmt, k, source.extraColumns(), mode, json);
        } catch (CatalogException.InvalidArgument e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private int run(CatalogSource source, ResultWriter writer, Tagger tagger, int window, PrintWriter out) {
        if (!quiet) {
            spec.commandLine().getErr().printf("tagging %s with %s -> %s%n", source.input(), tagger.describe(),
                    writer.output()).flush();
        }
        BarListener bar = new BarListener();
        CatalogRun run = new CatalogRun(tagger, writer, new CatalogRun.Settings(window, 20), bar);
        CountDownLatch finished = new CountDownLatch(1);
        // Ctrl-C or a kill (SIGTERM): stop starting images and let those in flight write their rows, briefly.
        Thread hook = new Thread(() -> {
            run.cancel();
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "catalog-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        CatalogRun.Summary s;
        try {
            s = run.run(source);
        } finally {
            bar.close();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting; the hook has done its job
            }
        }
        out.printf(Locale.ROOT, "%s: tagged %d, failed %d, skipped %d (already in the output) of %d in %.1f s, %.1f "
                + "images/s, %.2f CPU-ms per image -> %s%n", s.cancelled() ? "interrupted" : "done", s.tagged(),
                s.failed(), s.skipped(), s.total(), s.seconds(), s.imagesPerSecond(), s.cpuMsPerImage(),
                writer.output());
        out.flush();
        if (s.failed() > 0 || s.previousFailed() > 0) {
            PrintWriter err = spec.commandLine().getErr();
            s.failures().forEach(f -> err.println("  failed " + f));
            if (s.failed() > s.failures().size()) {
                err.printf("  ... and %d more (see the error column)%n", s.failed() - s.failures().size());
            }
            if (s.previousFailed() > 0) {
                err.printf("  %d rows from the earlier run also carry an error%n", s.previousFailed());
            }
            err.flush();
        }
        return s.allTagged() ? ExitCodes.OK : ExitCodes.PARTIAL;
    }

    /** Draws the run's progress: done/total, speed, ETA, and failures so far. */
    private final class BarListener implements CatalogRun.Listener {
        private volatile ProgressBar bar;
        private volatile long initial;

        @Override
        public void onStart(long total, long alreadyDone, long previousFailures) {
            initial = alreadyDone;
            bar = Progress.start("tag", alreadyDone, total, "img", quiet, System.err);
            if (previousFailures > 0) {
                bar.setExtraMessage(" " + previousFailures + " failed earlier");
            }
        }

        @Override
        public void onRow(CatalogRow row, long done, long failed) {
            ProgressBar b = bar;
            b.stepTo(initial + done);
            if (row.isFailure()) {
                b.setExtraMessage(" " + failed + " failed");
            }
        }

        void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
