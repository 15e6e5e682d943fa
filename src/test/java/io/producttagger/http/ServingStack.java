package io.producttagger.http;

import io.producttagger.TestSupport;
import io.producttagger.app.TaggerApp;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelRegistry;
import io.producttagger.training.jobs.FineTuneService;
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
    final FineTuneService jobs;
    final ListenerVerticle admin;
    final ListenerVerticle server;

    /**
     * The folders of a test stack: a temporary folder holding a zoo with the bundled clothing model and the colour
     * backbone, and an empty data root.
     */
    record Folders(Path tmp, Path zoo, Path data) {
        /** Creates them under a new temporary folder named {@code prefix...}. */
        static Folders create(String prefix) throws java.io.IOException {
            TestSupport.offline();
            Path tmp = java.nio.file.Files.createTempDirectory(prefix);
            Path zoo = io.producttagger.training.FineTuneFixtures.zooWith(tmp.resolve("zoo"), "fashion",
                    io.producttagger.training.FineTuneFixtures.BACKBONE);
            return new Folders(tmp, zoo, java.nio.file.Files.createDirectories(tmp.resolve("data")));
        }
    }

    /**
     * The configuration of a stack over {@code zoo} and {@code data} with the admin token {@code token}, serving the
     * clothing model {@code fashion} by default (its zoo holds no other classifier).
     */
    static TaggerConfig config(Path zoo, Path data, String token, String... pairs) {
        String[] all = new String[pairs.length + 6];
        all[0] = "model.zoo";
        all[1] = zoo.toString();
        all[2] = "finetune.data-root";
        all[3] = data.toString();
        all[4] = "model.name";
        all[5] = "fashion";
        System.arraycopy(pairs, 0, all, 6, pairs.length);
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
