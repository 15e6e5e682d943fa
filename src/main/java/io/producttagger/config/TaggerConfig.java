package io.producttagger.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The service's one configuration, immutable and typed.
 *
 * <p>Every setting has a key such as {@code server.port}. Values come from, in rising precedence: the
 * documented defaults in {@link #KEYS}; a properties file ({@code --config FILE} or {@code TAGGER_CONFIG});
 * environment variables named {@code TAGGER_} plus the key in upper case with dots as underscores
 * ({@code TAGGER_SERVER_PORT}); and command-line flags ({@code --set server.port=8081} or a command's own
 * flag). Unknown keys and malformed values are errors that name the key and where it came from.
 *
 * @param modelZoo the {@code model-zoo} folder
 * @param model the model that serves by default
 * @param engineCache where DJL extracts the MXNet natives
 * @param server the HTTP listener
 * @param inference the classifier's queue, batching and workers
 * @param vision decoding limits
 * @param admin the authenticated admin listener
 * @param fineTune fine-tune jobs
 * @param indexDir folder of the vector indexes ({@code index.dir}), one subfolder per index
 * @param indexMergeThreads threads that merge an index's HNSW graphs ({@code index.merge-threads}; 0 there means one
 *     per core, resolved here)
 * @param duplicateThreshold lowest cosine similarity of two duplicate descriptors that {@code dedupe} calls near
 *     duplicates ({@code dedupe.threshold}; the default is measured by {@code scripts/eval-duplicates})
 * @param engine the MXNet engine's thread settings, read from their own environment variables
 */
public record TaggerConfig(Path modelZoo, String model, Path engineCache, Server server, Inference inference,
        Vision vision, Admin admin, FineTune fineTune, Path indexDir, int indexMergeThreads, double duplicateThreshold,
        Engine engine) {

    /**
     * The MXNet engine's settings. The natives read them from the C environment when they load, before any
     * configuration file could apply, so they live there, not in the file: {@code OMP_NUM_THREADS} is a speed
     * setting (the same scores with 1 or 2 threads), checked and reported; {@code MXNET_ENGINE_TYPE} is one that
     * correctness depends on, so anything but {@value #REQUIRED_TYPE} is refused and, when unset, it is set before
     * MXNet loads ({@code model.EngineEnvironment}).
     *
     * @param ompThreads {@code OMP_NUM_THREADS}: OpenMP threads per operator, or 0 when unset (MXNet then uses
     *     every core)
     * @param engineType {@code MXNET_ENGINE_TYPE} as the environment had it at start: {@value #REQUIRED_TYPE}, or
     *     empty when unset (then set to {@value #REQUIRED_TYPE} before MXNet loads)
     */
    public record Engine(int ompThreads, String engineType) {
        /** The engine types MXNet 1.9 knows. */
        public static final String ENGINE_TYPES = "NaiveEngine, ThreadedEngine, ThreadedEnginePerDevice";
        /** The one engine type the project runs on. */
        public static final String REQUIRED_TYPE = "NaiveEngine";

        /**
         * Reads both from the environment.
         *
         * @throws ConfigException when a value is malformed, or the engine type is not {@value #REQUIRED_TYPE}
         */
        public static Engine fromEnvironment(Map<String, String> env) {
            String omp = env.getOrDefault("OMP_NUM_THREADS", "").trim();
            int threads = 0;
            if (!omp.isEmpty()) {
                try {
                    threads = Integer.parseInt(omp);
                } catch (NumberFormatException e) {
                    threads = -1;
                }
                if (threads < 1 || threads > 1024) {
                    throw new ConfigException("OMP_NUM_THREADS must be a whole number from 1 to 1024, got '" + omp
                            + "' (environment)");
                }
            }
            String type = env.getOrDefault("MXNET_ENGINE_TYPE", "").trim();
            refusal(type).ifPresent(message -> {
                throw new ConfigException(message);
            });
            return new Engine(threads, type);
        }

        /**
         * Returns why an {@code MXNET_ENGINE_TYPE} value cannot run the project, or empty when it can (unset or
         * {@value #REQUIRED_TYPE}).
         */
        public static java.util.Optional<String> refusal(String type) {
            if (type.isEmpty() || type.equals(REQUIRED_TYPE)) {
                return java.util.Optional.empty();
            }
            if (!List.of(ENGINE_TYPES.split(", ")).contains(type)) {
                return java.util.Optional.of("MXNET_ENGINE_TYPE must be " + REQUIRED_TYPE + " (MXNet knows "
                        + ENGINE_TYPES + "), got '" + type + "' (environment): unset it or set "
                        + "MXNET_ENGINE_TYPE=" + REQUIRED_TYPE);
            }
            return java.util.Optional.of("MXNET_ENGINE_TYPE=" + type + " (environment) is not supported: several "
                    + "threads run their own predictors with their own OpenMP limits, which only " + REQUIRED_TYPE
                    + " honours; unset it or set MXNET_ENGINE_TYPE=" + REQUIRED_TYPE);
        }

        /** Returns both settings as a log line states them. */
        public String describe() {
            return "OMP_NUM_THREADS=" + (ompThreads == 0 ? "(unset: every core)" : ompThreads)
                    + ", MXNET_ENGINE_TYPE=" + REQUIRED_TYPE
                    + (engineType.isEmpty() ? " (unset in the environment: set before MXNet loaded)" : "");
        }

        /**
         * Returns a warning when the settings oversubscribe the cores: inference workers times OpenMP threads
         * beyond the cores make MXNet's OpenMP barriers wait for descheduled threads (README, Performance).
         */
        public java.util.Optional<String> warning(int cores, int workers) {
            int perWorker = ompThreads == 0 ? cores : ompThreads;
            if (workers * perWorker > cores) {
                return java.util.Optional.of(workers + " inference workers x " + perWorker + " OpenMP threads exceed "
                        + "the " + cores + " cores; set OMP_NUM_THREADS to cores / inference.workers");
            }
            return java.util.Optional.empty();
        }
    }

    /**
     * The admin listener ({@code /admin/v1}): fine-tunes, promotion, rollback; every call needs the bearer token.
     *
     * @param enabled whether the admin listener starts
     * @param host interface to bind (loopback by default)
     * @param port TCP port, 0 for any free one
     * @param token the bearer token clients must send; empty means none, which refuses to start when enabled
     * @param requestTimeoutMs longest an admin request (an archive upload among them) may take before it is
     *     answered 408
     * @param bodyIdleTimeoutMs longest an admin request's body may stop arriving (between two reads, or from the
     *     head to its first byte) before it is answered 408 and its connection closed
     */
    public record Admin(boolean enabled, String host, int port, String token, long requestTimeoutMs,
            long bodyIdleTimeoutMs) {
        /** Hides the token from logs and error messages. */
        @Override
        public String toString() {
            return "Admin[enabled=" + enabled + ", host=" + host + ", port=" + port + ", token="
                    + (token.isEmpty() ? "(none)" : "(set)") + ", requestTimeoutMs=" + requestTimeoutMs
                    + ", bodyIdleTimeoutMs=" + bodyIdleTimeoutMs + "]";
        }
    }

    /**
     * Fine-tune jobs.
     *
     * @param dataRoot the folder data set paths in requests are relative to; nothing outside it is read
     * @param jobsDir where job files live ({@code MODEL_ZOO/.jobs} by default)
     * @param queueCapacity jobs that may wait behind the running one
     * @param minImagesPerLabel fewest images a label may have
     * @param maxUploadBytes largest uploaded {@code .zip} data set (unpacked, it may hold four times as much)
     * @param maxUploadFiles most entries in an uploaded archive
     * @param keepUploads whether an uploaded data set ({@code DATA_ROOT/uploads/ID}) stays after its job ends
     * @param threads OpenMP threads a fine-tune's operators use, so training leaves cores to serving
     * @param baseModel the model ({@code NAME} or {@code NAME@VERSION}) a fine-tune without a base starts from
     * @param headOnlyEpochs default epochs training only the new head (backbone frozen)
     * @param epochs default further epochs training the whole network
     * @param headLearningRate default learning rate of the head-only epochs
     * @param learningRate default learning rate of the whole-network epochs
     * @param batchSize default images per step
     * @param validationFraction default fraction of each label held out for validation
     * @param patience default whole-network epochs without a better validation accuracy before stopping early
     * @param seed default seed of the split, shuffling, augmentation and a new head's initial weights
     * @param color default for whether a grayscale base becomes a colour model
     */
    public record FineTune(Path dataRoot, Path jobsDir, int queueCapacity, int minImagesPerLabel,
            long maxUploadBytes, int maxUploadFiles, boolean keepUploads, int threads, String baseModel,
            String recipe, Integer headOnlyEpochs, Integer epochs, Float headLearningRate, Float learningRate,
            Integer batchSize, double validationFraction, int patience, long seed, boolean color) {}

    /**
     * The public HTTP listener.
     *
     * @param host interface to bind
     * @param port TCP port, 0 for any free one
     * @param maxBodyBytes largest request body accepted
     * @param maxImages most images in one multipart request
     * @param requestTimeoutMs longest a request may take before it is answered 408
     * @param idleTimeoutMs longest a connection (public or admin) may wait for a complete request head after it
     *     opens or after its previous answer, or stay silent; then it is closed
     * @param bodyIdleTimeoutMs longest a public request's body may stop arriving (between two reads, or from the
     *     head to its first byte) before it is answered 408 and its connection closed
     */
    public record Server(String host, int port, long maxBodyBytes, int maxImages, long requestTimeoutMs,
            long idleTimeoutMs, long bodyIdleTimeoutMs) {}

    /**
     * The classifier: a bounded queue in front of worker threads that run batches.
     *
     * @param workers inference threads, each with its own predictor
     * @param maxBatch most images in one batch
     * @param maxDelayMs longest a queued image waits for others to join its batch
     * @param queueCapacity images that may wait; beyond it requests get 503
     * @param topK labels returned when a request does not say
     * @param maxOtherVersions model versions kept loaded besides each model's serving one: a request naming
     *     {@code NAME@VERSION} loads that version, and beyond this many the least recently used one is let go once
     *     its requests have finished
     * @param loadThreads threads that load model versions, off the decode pool; a request naming a version that
     *     is not loaded, while this many versions are loading already, gets 503 with {@code Retry-After}
     */
    public record Inference(int workers, int maxBatch, int maxDelayMs, int queueCapacity, int topK,
            int maxOtherVersions, int loadThreads) {}

    /**
     * Image decoding.
     *
     * @param maxPixels largest width x height decoded; larger images are refused from their header
     */
    public record Vision(long maxPixels) {}

    /**
     * One configuration key.
     *
     * @param name dotted key
     * @param defaultValue default as text
     * @param help what it does
     */
    public record Key(String name, String defaultValue, String help) {
        /** The environment variable that sets this key. */
        public String envName() {
            return "TAGGER_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        }
    }

    /** Every key with its default and meaning; the single list the loader, docs and {@code --help} use. */
    public static final List<Key> KEYS = List.of(
            new Key("model.zoo", "model-zoo", "folder holding NAME/VERSION model folders"),
            new Key("model.name", "mobilenetv2-imagenet", "model served by default (the general ImageNet classifier; "
                    + "fashion is the bundled clothing model)"),
            new Key("engine.cache", System.getProperty("user.home") + "/.cache/product-tagger/djl",
                    "where the MXNet natives are extracted"),
            new Key("server.host", "0.0.0.0", "interface the public listener binds"),
            new Key("server.port", "8080", "port of the public listener (0 = any free port)"),
            new Key("server.max-body-bytes", "20971520", "largest request body in bytes"),
            new Key("server.max-images", "16", "most images in one multipart request"),
            new Key("server.request-timeout-ms", "30000", "longest a public request may take (then 408)"),
            new Key("server.idle-timeout-ms", "15000", "longest a connection (public or admin) may wait for a "
                    + "complete request head, or stay silent, before it is closed"),
            new Key("server.body-idle-timeout-ms", "10000", "longest a public request body may stop arriving "
                    + "(then 408)"),
            new Key("inference.workers", "1", "inference threads, one predictor each"),
            new Key("inference.max-batch", "16", "most images in one inference batch"),
            new Key("inference.max-delay-ms", "5", "longest wait for a batch to fill"),
            new Key("inference.queue-capacity", "256", "images that may wait before requests get 503"),
            new Key("inference.top-k", "5", "labels returned by default"),
            new Key("inference.max-other-versions", "2", "model versions kept loaded besides each model's serving "
                    + "one (NAME@VERSION requests load them; the least recently used is let go)"),
            new Key("inference.load-threads", "1", "threads that load model versions (off the decode pool); a "
                    + "NAME@VERSION request that needs one more load while this many run gets 503"),
            new Key("vision.max-pixels", "40000000", "largest image (width x height) that is decoded"),
            new Key("admin.enabled", "true", "whether the admin listener (/admin/v1) starts"),
            new Key("admin.host", "127.0.0.1", "interface the admin listener binds"),
            new Key("admin.port", "8081", "port of the admin listener (0 = any free port)"),
            new Key("admin.token", "", "bearer token admin calls must send (set TAGGER_ADMIN_TOKEN); "
                    + "required when admin.enabled"),
            new Key("admin.request-timeout-ms", "300000", "longest an admin request (an archive upload) may take "
                    + "(then 408)"),
            new Key("admin.body-idle-timeout-ms", "30000", "longest an admin request body (an archive upload) may "
                    + "stop arriving (then 408)"),
            new Key("finetune.data-root", "data", "folder fine-tune data set paths are relative to"),
            new Key("index.dir", "", "folder of the vector indexes (similar-product search), one subfolder per "
                    + "index (empty = FINETUNE_DATA_ROOT/indexes)"),
            new Key("index.merge-threads", "0", "threads that merge an index's HNSW graphs into one when a build "
                    + "finishes (0 = one per core)"),
            new Key("dedupe.threshold", "0.85", "lowest cosine similarity of two images' duplicate descriptors "
                    + "(regional features and foreground hue) that dedupe groups as near duplicates (measured: "
                    + "scripts/eval-duplicates, README)"),
            new Key("finetune.jobs-dir", "", "folder of fine-tune job files (empty = MODEL_ZOO/.jobs)"),
            new Key("finetune.queue-capacity", "4", "fine-tune jobs that may wait behind the running one"),
            new Key("finetune.min-images-per-label", "10", "fewest images a fine-tune label may have"),
            new Key("finetune.max-upload-bytes", "104857600", "largest uploaded .zip data set in bytes"),
            new Key("finetune.max-upload-files", "20000", "most entries in an uploaded .zip data set"),
            new Key("finetune.keep-uploads", "false", "keep an uploaded data set (DATA_ROOT/uploads/ID) after its "
                    + "job ends instead of deleting it"),
            new Key("finetune.threads", "1", "OpenMP threads a fine-tune trains with (API jobs and train --base); "
                    + "serving keeps OMP_NUM_THREADS"),
            new Key("finetune.base-model", "mobilenetv2-imagenet-backbone", "model (NAME or NAME@VERSION) a fine-tune "
                    + "without baseModel starts from: the pretrained ImageNet backbone (mobilenetv3-coco is the COCO "
                    + "one)"),
            new Key("finetune.recipe", "auto", "how a fine-tune without recipe trains: auto (the best the base's "
                    + "family supports), tail, probe or images"),
            new Key("finetune.head-only-epochs", "", "epochs a fine-tune without headOnlyEpochs trains only the new "
                    + "head (backbone frozen); empty = the recipe's"),
            new Key("finetune.epochs", "", "epochs a fine-tune without epochs trains after the head-only ones, "
                    + "everything that trains; empty = the recipe's"),
            new Key("finetune.head-learning-rate", "", "learning rate of the head when a fine-tune gives no "
                    + "headLearningRate; empty = the recipe's"),
            new Key("finetune.learning-rate", "", "learning rate of the trained backbone layers when a fine-tune "
                    + "gives no learningRate; empty = the recipe's"),
            new Key("finetune.batch-size", "", "images per step when a fine-tune gives no batchSize; empty = the "
                    + "recipe's"),
            new Key("finetune.validation-fraction", "0.2", "fraction of each label a fine-tune without "
                    + "validationFraction holds out for validation"),
            new Key("finetune.patience", "10", "whole-network epochs without a better validation accuracy before a "
                    + "fine-tune without patience stops early"),
            new Key("finetune.seed", "42", "seed of a fine-tune without seed (split, shuffling, augmentation, new "
                    + "head's weights)"),
            new Key("finetune.color", "true", "whether a fine-tune without color turns a grayscale base into a colour "
                    + "model (catalog photos are in colour)"));

    /**
     * Loads the configuration.
     *
     * @param file a properties file, or null for none
     * @param env the environment (only {@code TAGGER_*} entries are read)
     * @param flags key/value pairs from the command line
     * @throws ConfigException on an unknown key or a malformed value
     */
    public static TaggerConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origin = new TreeMap<>();
        for (Key k : KEYS) {
            values.put(k.name(), k.defaultValue());
            origin.put(k.name(), "default");
        }
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
            }
            for (String name : p.stringPropertyNames()) {
                put(values, origin, name, p.getProperty(name).trim(), "file " + file);
            }
        }
        for (Key k : KEYS) {
            String v = env.get(k.envName());
            if (v != null) {
                put(values, origin, k.name(), v.trim(), "environment " + k.envName());
            }
        }
        flags.forEach((k, v) -> put(values, origin, k, v.trim(), "flag --set " + k));
        return new Parser(values, origin).build(Engine.fromEnvironment(env));
    }

    /** Loads defaults only: what a zero-setup start uses. */
    public static TaggerConfig defaults() {
        return load(null, Map.of(), Map.of());
    }

    private static void put(Map<String, String> values, Map<String, String> origin, String key, String value,
            String from) {
        if (!values.containsKey(key)) {
            List<String> known = new ArrayList<>();
            KEYS.forEach(k -> known.add(k.name()));
            throw new ConfigException("unknown configuration key '" + key + "' (" + from + "); known keys: "
                    + String.join(", ", known));
        }
        values.put(key, value);
        origin.put(key, from);
    }

    /** Parses the merged text values into the typed record. */
    private record Parser(Map<String, String> values, Map<String, String> origin) {
        TaggerConfig build(Engine engine) {
            int mergeThreads = (int) number("index.merge-threads", 0, 256);
            return new TaggerConfig(
                    Path.of(text("model.zoo")),
                    text("model.name"),
                    Path.of(text("engine.cache")),
                    new Server(text("server.host"), (int) number("server.port", 0, 65535),
                            number("server.max-body-bytes", 1, Long.MAX_VALUE),
                            (int) number("server.max-images", 1, 1000),
                            number("server.request-timeout-ms", 100, 3_600_000),
                            number("server.idle-timeout-ms", 100, 3_600_000),
                            number("server.body-idle-timeout-ms", 100, 3_600_000)),
                    new Inference((int) number("inference.workers", 1, 64),
                            (int) number("inference.max-batch", 1, 1024),
                            (int) number("inference.max-delay-ms", 0, 10_000),
                            (int) number("inference.queue-capacity", 1, 1_000_000),
                            (int) number("inference.top-k", 1, 1000),
                            (int) number("inference.max-other-versions", 0, 1000),
                            (int) number("inference.load-threads", 1, 64)),
                    new Vision(number("vision.max-pixels", 1, 1L << 31)),
                    new Admin(bool("admin.enabled"), text("admin.host"), (int) number("admin.port", 0, 65535),
                            values.get("admin.token"), number("admin.request-timeout-ms", 100, 86_400_000),
                            number("admin.body-idle-timeout-ms", 100, 86_400_000)),
                    new FineTune(Path.of(text("finetune.data-root")),
                            values.get("finetune.jobs-dir").isEmpty() ? Path.of(text("model.zoo")).resolve(".jobs")
                                    : Path.of(values.get("finetune.jobs-dir")),
                            (int) number("finetune.queue-capacity", 1, 1000),
                            (int) number("finetune.min-images-per-label", 2, 1_000_000),
                            number("finetune.max-upload-bytes", 1, 1L << 40),
                            (int) number("finetune.max-upload-files", 1, 10_000_000),
                            bool("finetune.keep-uploads"),
                            (int) number("finetune.threads", 1, 256),
                            text("finetune.base-model"),
                            oneOf("finetune.recipe", "auto", "tail", "probe", "images"),
                            optionalInt("finetune.head-only-epochs", 0, 1000),
                            optionalInt("finetune.epochs", 0, 1000),
                            optionalFloat("finetune.head-learning-rate", 0, 10),
                            optionalFloat("finetune.learning-rate", 0, 10),
                            optionalInt("finetune.batch-size", 1, 4096),
                            decimal("finetune.validation-fraction", 0, 0.9, false),
                            (int) number("finetune.patience", 1, 1_000_000),
                            number("finetune.seed", Long.MIN_VALUE, Long.MAX_VALUE),
                            bool("finetune.color")),
                    values.get("index.dir").isEmpty() ? Path.of(text("finetune.data-root")).resolve("indexes")
                            : Path.of(values.get("index.dir")),
                    mergeThreads == 0 ? Runtime.getRuntime().availableProcessors() : mergeThreads,
                    decimal("dedupe.threshold", -1, 1, true),
                    engine);
        }

        private boolean bool(String key) {
            String v = text(key).toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new ConfigException("configuration key '" + key + "' must be true or false, got '" + v
                        + "' (" + origin.get(key) + ")");
            }
            return v.equals("true");
        }

        private String oneOf(String key, String... allowed) {
            String v = text(key).toLowerCase(Locale.ROOT);
            if (!List.of(allowed).contains(v)) {
                throw new ConfigException("configuration key '" + key + "' must be one of " + List.of(allowed)
                        + ", got '" + v + "' (" + origin.get(key) + ")");
            }
            return v;
        }

        /** A whole number in range, or null when the key is empty (the default is someone else's). */
        private Integer optionalInt(String key, long min, long max) {
            return values.get(key).isEmpty() ? null : (int) number(key, min, max);
        }

        /** A decimal above {@code min} and at most {@code max}, or null when the key is empty. */
        private Float optionalFloat(String key, double min, double max) {
            return values.get(key).isEmpty() ? null : (float) decimal(key, min, max, true);
        }

        private String text(String key) {
            String v = values.get(key);
            if (v.isEmpty()) {
                throw new ConfigException("configuration key '" + key + "' is empty (" + origin.get(key) + ")");
            }
            return v;
        }

        private long number(String key, long min, long max) {
            String v = text(key);
            long n;
            try {
                n = Long.parseLong(v.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new ConfigException("configuration key '" + key + "' must be a whole number, got '" + v
                        + "' (" + origin.get(key) + ")");
            }
            if (n < min || n > max) {
                throw new ConfigException("configuration key '" + key + "' must be between " + min + " and " + max
                        + ", got " + n + " (" + origin.get(key) + ")");
            }
            return n;
        }

        /** Parses a decimal above {@code min} and below {@code max}, or equal to it when {@code maxIncluded}. */
        private double decimal(String key, double min, double max, boolean maxIncluded) {
            String v = text(key);
            double d;
            try {
                d = Double.parseDouble(v.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new ConfigException("configuration key '" + key + "' must be a decimal number, got '" + v
                        + "' (" + origin.get(key) + ")");
            }
            if (!(d > min && (d < max || maxIncluded && d == max))) {
                throw new ConfigException("configuration key '" + key + "' must be above " + min + " and "
                        + (maxIncluded ? "at most " : "below ") + max + ", got " + v + " (" + origin.get(key) + ")");
            }
            return d;
        }
    }
}
