package io.producttagger.cli;

import io.producttagger.model.LabelScore;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import io.producttagger.vision.VisionException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code classify FILE...}: tags image files in-process and prints one line per file. */
@Command(name = "classify", mixinStandardHelpOptions = true, description = "Tag image files and print the tags.")
final class ClassifyCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "image files")
    private List<Path> files;

    @Option(names = {"-k", "--top-k"}, description = "labels per image (default: ${DEFAULT-VALUE})")
    private int topK = 3;

    @Option(names = {"-m", "--model"}, description = "NAME or NAME@VERSION (default: the configured model)")
    private String model;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int failed = 0;
        try (Components components = parent.components(Map.of());
                ModelRegistry.Lease lease = components.registry().acquire(model)) {
            ServingModel serving = lease.model();
            for (Path file : files) {
                try {
                    ServingModel.Tagging t = serving.tag(Files.readAllBytes(file), topK, 0);
                    out.println(file + "\t" + t.labels().stream().map(ClassifyCommand::format)
                            .collect(Collectors.joining(", ")));
                } catch (IOException | VisionException e) {
                    failed++;
                    err.println(file + "\terror: " + (e instanceof IOException ? "cannot read file: " : "")
                            + e.getMessage());
                }
            }
            out.flush();
        }
        return failed == 0 ? ExitCodes.OK : failed == files.size() ? ExitCodes.FAILURE : ExitCodes.PARTIAL;
    }

    private static String format(LabelScore s) {
        return String.format("%s (%.3f)", s.label(), s.score());
    }
}
