package io.producttagger.spark;

import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelStore;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models this JVM has loaded for the job's tasks, by zoo and {@code name@version}: what makes "the model is
 * loaded once per executor JVM, not per row or per partition" true.
 *
 * <p>Why this is static state, which the project otherwise never has: Spark gives a job no per-executor
 * lifecycle. Every task deserialises its own copy of the job's function, so the only thing that the tasks of
 * one executor share is the JVM itself. This holder is that one shared place and holds nothing else: each entry
 * loads lazily on the first task that needs it, exactly once ({@code computeIfAbsent} blocks the executor's
 * other task threads until it is loaded, rather than loading it twice), keyed by where the model is so that a
 * second job with another model in the same JVM gets its own. A loaded model lives until the executor exits,
 * like the executor's other per-JVM caches; each task makes its own predictor from it. DJL's offline mode and
 * native cache are set before the first load, so the MXNet natives are extracted once per executor (per
 * host when the cache is a host folder).
 */
final class ExecutorModels {

    private static final Map<String, LoadedModel> LOADED = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /**
     * Returns the model, loading it in this JVM on first use.
     *
     * @param location the model as the driver resolved it
     * @param engineCache where this JVM extracts the MXNet natives
     * @param hadoopConf the job's Hadoop settings, to copy a remote zoo
     */
    static LoadedModel get(ModelLocation location, String engineCache, Map<String, String> hadoopConf) {
        return get(location, engineCache, hadoopConf, ModelOutput.LABEL_SCORES);
    }

    /**
     * Returns the model loaded to answer {@code output} (label scores, or embeddings), loading it in this JVM on
     * first use.
     */
    static LoadedModel get(ModelLocation location, String engineCache, Map<String, String> hadoopConf,
            ModelOutput output) {
        return LOADED.computeIfAbsent(location.zoo() + "|" + location.id() + "|" + output, key -> {
            EngineEnvironment.prepare(Path.of(engineCache));
            ModelStore store = location.localStore(hadoopConf);
            return LoadedModel.load(store, location.name(), location.version(), output);
        });
    }
}
