package io.producttagger.cli;

import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code models}: lists the models and versions in the model zoo and which version serves. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List models and versions.",
        subcommands = ImportCommand.class)
final class ModelsCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    /** The components, for the subcommands. */
    Components components(Map<String, String> flags) {
        return parent.components(flags);
    }

    @Override
    public Integer call() {
        ModelStore store = parent.components(Map.of()).store();
        PrintWriter out = spec.commandLine().getOut();
        for (String name : store.models()) {
            String serving = store.servingVersion(name).orElse("");
            for (String v : store.versions(name)) {
                ModelManifest m = store.manifest(name, v);
                out.printf("%s@%s%s  %s  created=%s%n", name, v, v.equals(serving) ? " (serving)" : "",
                        m.isBackbone() ? "backbone (base to fine-tune from)"
                                : "top1=" + m.metrics().getOrDefault("top1", "?") + "  labels=" + m.labels().size(),
                        m.created());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
