package io.producttagger.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.config.TaggerConfig;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The help of {@code train} and {@code serve} shows the configuration's defaults, not copies of them. */
class CommandHelpDefaultsTest {

    private static final Map<String, String> DEFAULTS = TaggerConfig.KEYS.stream()
            .collect(Collectors.toMap(TaggerConfig.Key::name, TaggerConfig.Key::defaultValue));

    /** Returns a command's help on one line per option, so no default is wrapped apart from its key. */
    private static String help(Object command) {
        CommandLine cli = new CommandLine(command);
        cli.setUsageHelpWidth(1000);
        return cli.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
    }

    @Test
    void trainHelpShowsEachFineTuneDefaultFromTheConfiguration() {
        String help = help(new TrainCommand());
        assertFalse(help.contains("${bundle"), help);
        for (String key : new String[] {"finetune.head-only-epochs", "finetune.head-learning-rate", "finetune.color",
            "finetune.patience", "finetune.validation-fraction", "finetune.epochs", "finetune.batch-size",
            "finetune.learning-rate", "finetune.seed", "finetune.base-model"}) {
            assertTrue(help.contains(key + ", " + DEFAULTS.get(key)), key + " not shown with its default: " + help);
        }
    }

    @Test
    void serveHelpShowsTheListenerAndModelDefaultsFromTheConfiguration() {
        String help = help(new ServeCommand());
        assertFalse(help.contains("${bundle"), help);
        for (String key : new String[] {"server.port", "server.host", "model.name"}) {
            assertTrue(help.contains(key + "; default " + DEFAULTS.get(key)), key + ": " + help);
        }
    }
}
