package io.producttagger.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.catalog.CatalogException;
import io.producttagger.catalog.CatalogItem;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.Lanes;
import io.producttagger.catalog.PipelineCeiling;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ceiling INPUT}: the pipeline bound of in-process tagging on this machine: decode + preprocess alone
 * with every decoding thread, inference alone through the batching classifier, and the images/s a pipeline
 * sharing the cores between them could reach at best ({@link PipelineCeiling}).
 */
@Command(name = "ceiling", mixinStandardHelpOptions = true,
        description = {"Measure, on images held in memory in one warm JVM, decode + preprocess images/s with every "
                + "thread, inference images/s at the batches the classifier forms, and the pipeline bound "
                + "1 / (1/decode + 1/inference) that 'tag' in-process is measured against (scripts/bench-ceiling)."})
final class CeilingCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT", description = "a folder of images, or a .csv/.jsonl manifest")
    private Path input;

    @Option(names = "--model", paramLabel = "NAME[@VERSION]", description = "model (default: model.name)")
    private String model;

    @Option(names = "--threads", description = "decoding threads, as tag --threads (default: the number of cores, "
            + "${DEFAULT-VALUE})")
    private int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--seconds", description = "measuring time per stage, after a warm-up of a third of it "
            + "(default: ${DEFAULT-VALUE})")
    private double seconds = 6;

    @Option(names = "--limit", description = "most images held in memory (default: ${DEFAULT-VALUE})")
    private int limit = 2000;

    @Option(names = "--max-mb", description = "most megabytes of images held in memory (default: ${DEFAULT-VALUE})")
    private long maxMb = 1024;

    @Override
    public Integer call() {
        if (threads < 1 || limit < 1 || maxMb < 1 || seconds <= 0) {
            throw new ParameterException(spec.commandLine(), "--threads, --limit, --max-mb and --seconds must be "
                    + "positive");
        }
        Components components = parent.components(Map.of());
        TaggerConfig config = components.config();
        PrintWriter out = spec.commandLine().getOut();
        List<byte[]> images;
        try {
            images = load(CatalogSource.open(input, new ObjectMapper()));
        } catch (CatalogException.InvalidArgument e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try (components; ModelRegistry.Lease lease = components.registry().acquire(model)) {
            ServingModel serving = lease.model();
            serving.warmUp();
            Lanes.Settings lanes = Lanes.Settings.of(config, threads);
            TaggerConfig.Inference inf = config.inference();
            int classifierWindow = Math.min(inf.queueCapacity(), threads * 2 + inf.workers() * inf.maxBatch() * 2);
            long bytes = images.stream().mapToLong(b -> b.length).sum();
            out.printf("%s: %d images (%.1f MB) in memory, %s, %d lanes of batches of %d (1 OpenMP thread each); "
                    + "server classifier: inference.workers=%d, MXNET_ENGINE_TYPE=%s OMP_NUM_THREADS=%s%n", input,
                    images.size(), bytes / 1e6, serving.id(), threads, lanes.maxBatch(), inf.workers(),
                    EngineEnvironment.engineType(), System.getenv("OMP_NUM_THREADS"));
            out.flush();
            PipelineCeiling.Result r = new PipelineCeiling(serving, lanes, classifierWindow, seconds)
                    .measure(images);
            out.printf("decode+preprocess %.1f images/s; inference: lanes %.1f images/s, server classifier %.1f "
                    + "images/s (mean batch %.1f)%s%n", r.decodePerSecond(), r.lanesInferencePerSecond(),
                    r.classifierInferencePerSecond(), r.classifierMeanBatch(),
                    r.failed() > 0 ? "; " + r.failed() + " images did not decode and were left out" : "");
            out.printf(Locale.ROOT, "CPU per image: decode+preprocess %.2f ms, inference %.2f ms (lanes) / %.2f ms "
                    + "(server classifier); with every core to itself at most %.1f images/s%n", r.decodeCpuMs(),
                    r.lanesInferenceCpuMs(), r.classifierInferenceCpuMs(),
                    1000 * Runtime.getRuntime().availableProcessors() / r.cpuMsPerImage());
            out.printf(Locale.ROOT, "bound %.1f images/s, %.2f CPU-ms per image%n", r.bound(), r.cpuMsPerImage());
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** Reads the input's first images into memory, within --limit and --max-mb. */
    private List<byte[]> load(CatalogSource source) {
        List<byte[]> images = new ArrayList<>();
        long bytes = 0;
        try (Stream<CatalogItem> items = source.items()) {
            for (var it = items.iterator(); it.hasNext() && images.size() < limit; ) {
                CatalogItem item = it.next();
                if (item.file() == null) {
                    continue;
                }
                byte[] b = Files.readAllBytes(item.file());
                if (bytes + b.length > maxMb * 1_000_000 && !images.isEmpty()) {
                    break;
                }
                bytes += b.length;
                images.add(b);
            }
        } catch (IOException e) {
            throw new CatalogException("cannot read " + source.input() + ": " + e.getMessage(), e);
        }
        if (images.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "no images in " + source.input());
        }
        return images;
    }
}
