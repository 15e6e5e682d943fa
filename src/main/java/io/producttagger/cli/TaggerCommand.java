package io.producttagger.cli;

import io.producttagger.catalog.CatalogException;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.EngineEnvironment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The {@code product-tagger} command: global configuration options and the subcommands. */
@Command(name = "product-tagger", mixinStandardHelpOptions = true, version = "product-tagger 0.1.0",
        description = "Tags product photos with catalog categories using a CNN (DJL + MXNet, OpenCV).",
        subcommands = {ServeCommand.class, ClassifyCommand.class, TrainCommand.class,
                EvalCommand.class, ModelsCommand.class, BenchCommand.class, TagCommand.class,
                CeilingCommand.class, IndexCommand.class, DedupeCommand.class, EvalDuplicatesCommand.class,
                IndexBenchCommand.class})
public final class TaggerCommand {

    @Option(names = "--config", paramLabel = "FILE",
            description = "properties file with configuration keys (also TAGGER_CONFIG)")
    private Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "set a configuration key, e.g. --set server.port=9090 (repeatable)")
    private Map<String, String> settings = new LinkedHashMap<>();

    private final Function<TaggerConfig, Components> assembly;
    private TaggerConfig loaded;
    private Components components;

    /**
     * Creates the command.
     *
     * @param assembly builds the components from the loaded configuration (the composition root)
     */
    public TaggerCommand(Function<TaggerConfig, Components> assembly) {
        this.assembly = assembly;
    }

    /**
     * Returns the configuration: defaults, file, environment, then {@code --set} and the given command flags.
     * The first call also puts DJL into offline mode with the configured engine cache.
     */
    TaggerConfig config(Map<String, String> commandFlags) {
        if (loaded == null) {
            Map<String, String> env = System.getenv();
            Path file = configFile != null ? configFile
                    : env.containsKey("TAGGER_CONFIG") ? Path.of(env.get("TAGGER_CONFIG")) : null;
            Map<String, String> flags = new LinkedHashMap<>(settings);
            flags.putAll(commandFlags);
            loaded = TaggerConfig.load(file, env, flags);
            EngineEnvironment.prepare(loaded.engineCache());
        }
        return loaded;
    }

    /**
     * Returns the components built from {@link #config(Map) the configuration} (loading it with
     * {@code commandFlags} first if no command has yet); built once, closed by the command that asked.
     */
    Components components(Map<String, String> commandFlags) {
        if (components == null) {
            components = assembly.apply(config(commandFlags));
        }
        return components;
    }

    /**
     * Builds the command line with the project's error handling.
     *
     * @param assembly the composition root: builds the components from the loaded configuration
     */
    public static CommandLine commandLine(Function<TaggerConfig, Components> assembly) {
        CommandLine cli = new CommandLine(new TaggerCommand(assembly));
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + CatalogException.describe(ex));
            if (System.getenv("TAGGER_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return ExitCodes.FAILURE;
        });
        return cli;
    }
}
