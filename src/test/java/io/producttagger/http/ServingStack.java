package io.producttagger.http;

import io.producttagger.TestSupport;
import io.producttagger.app.TaggerApp;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelRegistry;
import io.producttagger.training.FineTuneJobs;
import java.nio.file.Path;
import java.util.Map;

/**
 * The service started through the composition root, as {@code serve} starts it, with its parts at hand for the
 * tests: both listeners on random loopback ports, over a test zoo and data root.
 */
final class ServingStack implements AutoCloseable {

    final TaggerApp app;
    final TaggerConfig config;
    final ModelRegistry registry;
    final FineTuneJobs jobs;
    final ListenerVerticle admin;
    final ListenerVerticle server;

    /** The configuration of a stack over {@code zoo} and {@code data} with the admin token {@code token}. */
    static TaggerConfig config(Path zoo, Path data, String token, String... pairs) {
        String[] all = new String[pairs.length + 4];
        all[0] = "model.zoo";
        all[1] = zoo.toString();
        all[2] = "finetune.data-root";
        all[3] = data.toString();
        System.arraycopy(pairs, 0, all, 4, pairs.length);
        return TestSupport.serviceConfig(Map.of("TAGGER_ADMIN_TOKEN", token), all);
    }

    /** Starts the service and waits until its default model is warm. */
    ServingStack(TaggerConfig config) throws InterruptedException {
        this.app = TestSupport.serve(config);
        this.config = config;
        this.registry = app.registry();
        this.jobs = app.fineTunes();
        this.admin = app.adminListener();
        this.server = app.publicListener();
    }

    @Override
    public void close() {
        app.close();
    }
}
