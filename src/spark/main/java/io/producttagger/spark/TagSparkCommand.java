package io.producttagger.spark;

import io.producttagger.catalog.CatalogException;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.ModelException;
import io.producttagger.model.ModelRef;
import io.producttagger.model.ModelStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code tag-spark INPUT OUTPUT}: tags a folder of images or a manifest as a Spark job, with the same decoding,
 * preprocessing, model and ranking as {@code tag} in-process. The entry point for {@code spark-submit} and
 * scripts/tag-spark.
 *
 * <p>Configuration is the service's one typed {@link TaggerConfig} (defaults, {@code --config FILE},
 * {@code TAGGER_*} environment, {@code --set key=value}): {@code model.zoo}, {@code model.name},
 * {@code inference.max-batch}, {@code inference.top-k}, {@code vision.max-pixels} and
 * {@code server.max-body-bytes} mean what they mean for {@code tag}. The options below are the job's own.
 * Exit codes as {@code tag}: 0 all tagged, 3 some images failed (see the error column), 2 usage error, 1 failure.
 */
@Command(name = "tag-spark", mixinStandardHelpOptions = true, version = "product-tagger 0.1.0",
        description = {"Tag every image of a folder (recursively) or a CSV/JSONL/Parquet manifest (columns id, path, "
                + "...) as a Spark job, and write one row per image as Parquet, JSONL or CSV.",
                "Exit codes: 0 all tagged, 3 some images failed (see the error column), 2 usage error, 1 failure."})
public final class TagSparkCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "INPUT", description = "a folder of images or a .csv/.jsonl/.parquet "
            + "manifest: a local path or any Hadoop URI (hdfs://, s3a://, ...)")
    private String input;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "the result folder (Spark writes part files and "
            + "_SUCCESS)")
    private String output;

    @Option(names = "--format", paramLabel = "parquet|jsonl|csv", description = "output format (default: "
            + "${DEFAULT-VALUE})")
    private String format = "parquet";

    @Option(names = "--overwrite", description = "replace an existing output (without it, one is refused)")
    private boolean overwrite;

    @Option(names = "--model", paramLabel = "NAME[@VERSION]",
            description = "model to use (default: model.name, its serving version, resolved once for the whole job)")
    private String model;

    @Option(names = "--model-zoo", paramLabel = "PATH|URI", description = "model zoo every executor can read: a "
            + "local path (relative: to each executor's working directory, where --archives unpacks) or a Hadoop URI "
            + "(default: model.zoo)")
    private String modelZoo;

    @Option(names = "--top-k", paramLabel = "K", description = "labels per image (default: inference.top-k)")
    private Integer topK;

    @Option(names = "--threshold", description = "lowest probability reported (default: ${DEFAULT-VALUE})")
    private double threshold;

    @Option(names = "--embeddings", description = "also write each image's embedding (the model's L2-normalised "
            + "pooled features, as POST /v1/embed answers) as an 'embedding' column after 'error'")
    private boolean embeddings;

    @Option(names = "--partitions", description = "partitions to tag in (default: one per "
            + "--images-per-partition images, at least spark.default.parallelism)")
    private int partitions;

    @Option(names = "--images-per-partition", description = "default partition size (default: ${DEFAULT-VALUE})")
    private int imagesPerPartition = 2000;

    @Option(names = "--omp-threads", description = "OpenMP threads each task's inference uses (default: "
            + "${DEFAULT-VALUE}, one per task slot)")
    private int ompThreads = 1;

    @Option(names = "--executor-engine-cache", paramLabel = "DIR", description = "where executors extract the MXNet "
            + "natives (default: their java.io.tmpdir/product-tagger-djl; in local mode engine.cache, as the CLI's)")
    private String executorEngineCache = "";

    @Option(names = "--master", description = "Spark master when not run by spark-submit, e.g. local[*]")
    private String master;

    @Option(names = "--config", paramLabel = "FILE", description = "properties file with configuration keys "
            + "(also TAGGER_CONFIG)")
    private Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "set a configuration key, e.g. --set "
            + "model.zoo=/mnt/models (repeatable)")
    private Map<String, String> settings = new LinkedHashMap<>();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Creates the command (picocli instantiates it). */
    public TagSparkCommand() {}

    /** Runs the job and exits with its code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Builds the command line with the project's error handling (as {@code product-tagger}'s). */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TagSparkCommand());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof CatalogException.InvalidArgument) {
                cmd.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            cmd.getErr().println("error: " + CatalogException.describe(ex));
            if (System.getenv("TAGGER_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cli;
    }

    @Override
    public Integer call() {
        if ((topK != null && topK < 1) || partitions < 0 || imagesPerPartition < 1 || ompThreads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top-k, --images-per-partition and "
                    + "--omp-threads must be >= 1 and --partitions >= 0");
        }
        Map<String, String> env = System.getenv();
        Path file = configFile != null ? configFile
                : env.containsKey("TAGGER_CONFIG") ? Path.of(env.get("TAGGER_CONFIG")) : null;
        TaggerConfig config = TaggerConfig.load(file, env, settings);
        EngineEnvironment.prepare(config.engineCache());
        JobOutput.Format fmt = JobOutput.Format.named(format);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        SparkConf conf = new SparkConf().setAppName("product-tagger tag " + input);
        if (master != null) {
            conf.setMaster(master);
        }
        // Executors start MXNet with the engine the project measured; each task then limits its own OpenMP threads.
        conf.setIfMissing("spark.executorEnv.MXNET_ENGINE_TYPE", "NaiveEngine");
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", String.valueOf(ompThreads));
        conf.setIfMissing("spark.executorEnv.OPT_OUT_TRACKING", "true");
        conf.setIfMissing("spark.ui.showConsoleProgress", "true");
        // Inside an application that already has a session (a notebook, a test), use it and leave it running.
        boolean ownSession = SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            String zoo = modelZoo != null ? modelZoo : config.modelZoo().toString();
            String copies = executorEngineCache.isEmpty() ? System.getProperty("java.io.tmpdir")
                    + "/product-tagger-models" : executorEngineCache + "/models";
            ModelRef ref = ModelRef.parse(model, config.model());
            ModelStore store = new ModelLocation(zoo, ref.name(), "", copies).localStore(TagSparkJob.hadoopSettings(spark));
            ModelRef resolved = store.resolve(model, config.model());
            store.manifest(resolved.name(), resolved.version()); // an unknown model fails before any task starts
            // In local mode the executor is this JVM: it extracts the natives where the CLI does (engine.cache).
            String executorCache = executorEngineCache.isEmpty() && spark.sparkContext().isLocal()
                    ? config.engineCache().toAbsolutePath().toString() : executorEngineCache;
            TagJobSettings job = new TagJobSettings(new ModelLocation(zoo, resolved.name(), resolved.version(), copies),
                    topK != null ? topK : config.inference().topK(), threshold, config.inference().maxBatch(),
                    ompThreads, config.vision().maxPixels(), config.server().maxBodyBytes(), executorCache,
                    embeddings);
            TagSparkJob.Summary s = TagSparkJob.run(spark, new TagSparkJob.Request(input, output, fmt, overwrite,
                    partitions, imagesPerPartition, job), err);
            out.printf(java.util.Locale.ROOT, "done: tagged %d, failed %d of %d in %.1f s (%.1f s of it listing), "
                    + "%.1f images/s (%d partitions) -> %s%n", s.tagged(), s.failed(), s.total(), s.seconds(),
                    s.listingSeconds(), s.imagesPerSecond(), s.partitions(), output);
            out.flush();
            return s.failed() > 0 ? 3 : 0;
        } catch (ModelException.UnknownModel e) {
            throw new CatalogException("unknown model: " + e.getMessage(), e);
        } catch (ModelException.InvalidName e) {
            throw new CatalogException("--model: " + e.getMessage(), e);
        } finally {
            if (ownSession) {
                spark.stop();
            }
        }
    }
}
