package io.producttagger.cli;

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
@Command(name = "serve", mixinStandardHelpOptions = true, resourceBundle = "io.producttagger.cli.ConfigDefaults",
        description = "Run the HTTP tagging service.")
final class ServeCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Option(names = {"-p", "--port"}, description = "port (server.port; default ${bundle:default.server.port})")
    private Integer port;

    @Option(names = "--host", description = "interface to bind (server.host; default ${bundle:default.server.host})")
    private String host;

    @Option(names = {"-m", "--model"},
            description = "model served by default (model.name; default ${bundle:default.model.name})")
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
        Components service = parent.components(flags);
        try {
            service.startServing();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return ExitCodes.OK;
    }
}
