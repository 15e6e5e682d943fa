package io.producttagger.http;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.Classifier;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ModelStore;
import io.producttagger.model.Promotions;
import io.producttagger.training.jobs.FineTuneService;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Path;
import java.util.Map;

/**
 * The public and admin listeners wired as {@code serve} wires them (registry, fine-tune jobs, promotions), on
 * random loopback ports, over a test zoo and data root.
 */
final class ServingStack implements AutoCloseable {

    final TaggerConfig config;
    final ModelRegistry registry;
    final FineTuneService jobs;
    final AdminServer admin;
    final TaggerServer server;

    /** The configuration of a stack over {@code zoo} and {@code data} with the admin token {@code token}. */
    static TaggerConfig config(Path zoo, Path data, String token) {
        return TaggerConfig.load(null, Map.of("TAGGER_ADMIN_TOKEN", token), Map.of("server.port", "0",
                "server.host", "127.0.0.1", "admin.port", "0", "model.zoo", zoo.toString(),
                "finetune.data-root", data.toString()));
    }

    /** Starts both listeners; the default model loads in the background ({@code TestSupport.awaitReady}). */
    ServingStack(TaggerConfig config) {
        this.config = config;
        registry = new ModelRegistry(new ModelStore(config.modelZoo()), config,
                new ImageDecoder(config.vision().maxPixels()), Classifier.Observer.NONE);
        jobs = new FineTuneService(config, registry.store(), new ImageDecoder(config.vision().maxPixels()));
        admin = AdminServer.start(config, jobs, new Promotions(registry));
        server = TaggerServer.start(config, registry);
    }

    @Override
    public void close() {
        admin.close();
        jobs.close();
        server.close();
        registry.close();
    }
}
