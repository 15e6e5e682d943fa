package io.producttagger.model;

import io.producttagger.config.TaggerConfig;
import io.producttagger.vision.ImageDecoder;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models the service has loaded, by {@code name@version}, and which version of each serves.
 *
 * <p>Versions load on first use and stay loaded, so a request that resolved a version finishes on it even if
 * another version is promoted meanwhile; promotion loads and warms the new version before it swaps the
 * pointer, so no request waits for a load.
 */
public final class ModelRegistry implements AutoCloseable {

    private final ModelStore store;
    private final TaggerConfig config;
    private final ImageDecoder decoder;
    private final Classifier.Observer observer;
    private final Map<String, ServingModel> loaded = new ConcurrentHashMap<>();
    private final Map<String, String> serving = new ConcurrentHashMap<>();

    /** Creates a registry over a store; nothing loads until asked. */
    public ModelRegistry(ModelStore store, TaggerConfig config, ImageDecoder decoder, Classifier.Observer observer) {
        this.store = store;
        this.config = config;
        this.decoder = decoder;
        this.observer = observer;
    }

    /** Opens a registry over the configured model zoo, decoding with the configured pixel limit. */
    public static ModelRegistry open(TaggerConfig config, Classifier.Observer observer) {
        return new ModelRegistry(new ModelStore(config.modelZoo()), config,
                new ImageDecoder(config.vision().maxPixels()), observer);
    }

    /** Returns the store. */
    public ModelStore store() {
        return store;
    }

    /** Returns the name of the model that serves when a request names none. */
    public String defaultModel() {
        return config.model();
    }

    /**
     * Resolves {@code NAME} (its serving version) or {@code NAME@VERSION}; null or blank means the default
     * model. Loads the version if needed.
     *
     * @throws ModelException.UnknownModel when the model or version does not exist
     */
    public ServingModel resolve(String spec) {
        ModelRef ref = ModelRef.parse(spec, config.model());
        return get(ref.name(), ref.version() != null ? ref.version() : servingVersion(ref.name()));
    }

    /** Returns the serving version of a model (pointer file, else newest). */
    public String servingVersion(String name) {
        try {
            return serving.computeIfAbsent(name, store::resolveVersion);
        } catch (IllegalArgumentException e) {
            throw new ModelException.UnknownModel(e.getMessage());
        }
    }

    /** Returns a loaded version, loading it on first use. */
    public ServingModel get(String name, String version) {
        return loaded.computeIfAbsent(name + "@" + version, id -> {
            store.manifest(name, version); // UnknownModel if absent
            TaggerConfig.Inference inf = config.inference();
            return new ServingModel(LoadedModel.load(store, name, version), decoder,
                    new Classifier.Settings(inf.workers(), inf.maxBatch(), inf.maxDelayMs(), inf.queueCapacity()),
                    observer);
        });
    }

    /**
     * Makes a version the serving one: loads and warms it, writes the pointer, then swaps.
     */
    public void promote(String name, String version) {
        ServingModel m = get(name, version);
        m.warmUp();
        store.setServing(name, version);
        serving.put(name, version);
    }

    /** Returns the loaded versions. */
    public Collection<ServingModel> loaded() {
        return List.copyOf(loaded.values());
    }

    /** Closes every loaded version, finishing queued work first. */
    @Override
    public void close() {
        loaded.values().forEach(ServingModel::close);
        loaded.clear();
    }
}
