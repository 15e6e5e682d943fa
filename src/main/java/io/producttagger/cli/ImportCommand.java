package io.producttagger.cli;

import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.model.imports.ImportRequest;
import io.producttagger.model.imports.SourceImporter;
import io.producttagger.model.tfjs.BackboneImport;
import io.producttagger.model.tflite.TfliteImport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code models import}: publishes pretrained weights from a file in a format it recognises (a TF.js graph model, a
 * TensorFlow Lite flatbuffer) as a model version; {@code import-tfjs} is its old name.
 */
@Command(name = "import", aliases = "import-tfjs", mixinStandardHelpOptions = true,
        description = {"Import pretrained weights into the model zoo: a TF.js graph model (model.json, its .bin next to"
                + " it; published as a backbone) or a TensorFlow Lite classifier (.tflite; published as a classifier"
                + " with its labels, or with --backbone as a base to fine-tune from). The format is recognised from"
                + " the file's first bytes.",
                "Only sources whose SHA-256 the importer knows are accepted; scripts/import-backbone gets them and"
                        + " reproduces the committed models."})
final class ImportCommand implements Callable<Integer> {

    /** The source formats this command imports, each behind the same seam. */
    static List<SourceImporter> importers(ModelStore store) {
        return List.of(new BackboneImport(store), new TfliteImport(store));
    }

    @ParentCommand
    private ModelsCommand parent;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "SOURCE", description = "the file to import, e.g. package/models/centernet.json or"
            + " mobilenet_v2_1.0_224_quant.tflite")
    private Path source;

    @Option(names = "--name", description = "model name to publish under (default: the one the known source"
            + " suggests: mobilenetv3-coco, mobilenetv2-imagenet, mobilenetv2-imagenet-backbone)")
    private String name;

    @Option(names = "--backbone", description = "publish only the features of a classifier, as a base to fine-tune"
            + " from")
    private boolean backbone;

    @Option(names = "--labels", paramLabel = "FILE", description = "a classifier's labels file (default: the one"
            + " published with it, next to SOURCE)")
    private Path labels;

    @Option(names = "--input-size", description = "side of the square input in pixels, 32 to 1024 (default: the"
            + " source's: 224)")
    private int inputSize;

    @Override
    public Integer call() {
        if (inputSize != 0 && (inputSize < 32 || inputSize > 1024)) {
            spec.commandLine().getErr().println("error: --input-size must be 32 to 1024, got " + inputSize);
            return ExitCodes.USAGE;
        }
        List<SourceImporter> importers = importers(parent.components(Map.of()).store());
        ModelManifest m = SourceImporter.forFile(importers, source)
                .importAndPublish(source, new ImportRequest(name, backbone, inputSize, labels));
        spec.commandLine().getOut().printf("published %s@%s: %s parameters, %s, %s, input %dx%d RGB%n", m.name(),
                m.version(), m.training().get("parameterCount"), m.architecture().getClass().getSimpleName(),
                m.isBackbone() ? "a backbone (base to fine-tune from)" : m.labels().size() + " labels",
                m.input().width(), m.input().height());
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
