package io.producttagger.cli;

import io.producttagger.config.ConfigException;
import io.producttagger.config.TaggerConfig;
import io.producttagger.http.AdminServer;
import io.producttagger.model.Promotions;
import io.producttagger.training.jobs.FineTuneService;
import io.producttagger.http.TaggerMetrics;
import io.producttagger.http.TaggerServer;
import io.producttagger.model.ModelRegistry;
import io.producttagger.vision.ImageDecoder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code serve}: runs the public HTTP service and, unless {@code admin.enabled=false}, the authenticated admin
 * listener with the fine-tune queue, until SIGTERM/SIGINT, then shuts down gracefully.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the HTTP tagging service.")
final class ServeCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Option(names = {"-p", "--port"}, description = "port (server.port; default 8080)")
    private Integer port;

    @Option(names = "--host", description = "interface to bind (server.host; default 0.0.0.0)")
    private String host;

    @Option(names = {"-m", "--model"}, description = "model served by default (model.name; default fashion)")
    private String model;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> flags = new LinkedHashMap<>();
        if (port != null) {
            flags.put("server.port", port.toString());
        }
        if (host != null) {
            flags.put("server.host", host);
        }
        if (model != null) {
            flags.put("model.name", model);
        }
        TaggerConfig config = parent.config(flags);
        TaggerMetrics metrics = new TaggerMetrics();
        ModelRegistry registry = ModelRegistry.open(config, metrics.classifierObserver());
        FineTuneService jobs = null;
        AdminServer admin = null;
        if (config.admin().enabled()) {
            if (config.admin().token().isEmpty()) {
                throw new ConfigException("the admin listener needs a token: set TAGGER_ADMIN_TOKEN (admin.token), "
                        + "or disable it with admin.enabled=false");
            }
            jobs = new FineTuneService(config, registry.store(), new ImageDecoder(config.vision().maxPixels()));
            admin = AdminServer.start(config, jobs, new Promotions(registry));
        }
        TaggerServer server = TaggerServer.start(config, registry, metrics);
        CountDownLatch stopped = new CountDownLatch(1);
        AdminServer adminServer = admin;
        FineTuneService fineTunes = jobs;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (adminServer != null) {
                adminServer.close();
                fineTunes.close();
            }
            server.close();
            registry.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return ExitCodes.OK;
    }
}
