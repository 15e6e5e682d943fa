package io.producttagger.model.tflite;

import io.producttagger.model.MobileNetV2;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.model.imports.ImportException;
import io.producttagger.model.imports.ImportRequest;
import io.producttagger.model.imports.Publication;
import io.producttagger.model.imports.SourceImporter;
import io.producttagger.vision.Normalization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Imports a known TensorFlow Lite MobileNetV2 classifier into the model zoo: as the whole classifier with its
 * labels (servable), or as its backbone alone, a base to fine-tune from. Checks the file's and the labels' SHA-256
 * against the sources it knows, reads the network out of the flatbuffer ({@link MobileNetV2Graph}), dequantises
 * the weights and publishes a version whose manifest records the provenance, licence, checksums, published
 * accuracy and the input scaling the file declares.
 *
 * <p>The ImageNet files score 1001 outputs, the first of them "background", a class no photo is tagged with: the
 * classifier is published without it, 1000 outputs, its layer's row dropped, so its softmax is the file's
 * probabilities given that the photo is not background ({@code p[i] / (1 - p[0])}) and "background" can never be a
 * tag.
 */
public final class TfliteImport implements SourceImporter {

    /**
     * A TensorFlow Lite file this importer knows.
     *
     * @param file its name where it is published
     * @param sha256 SHA-256 of the file
     * @param labelsFile the name of its labels file, expected next to it unless given
     * @param labelsSha256 SHA-256 of the labels file
     * @param backgroundClass the output that stands for no class, left out of the classifier (-1 for none)
     * @param name the model a classifier import publishes by default
     * @param backboneName the model a backbone import publishes by default
     * @param provenance where the weights come from, for the manifest
     * @param licence the licence they are under, with attribution
     * @param trainedOn what the network learnt from
     * @param publishedAccuracy the accuracy published for the file, with its source
     */
    public record KnownSource(String file, String sha256, String labelsFile, String labelsSha256,
            int backgroundClass, String name, String backboneName, String provenance, String licence,
            String trainedOn, String publishedAccuracy) {}

    private static final String CORAL = "google-coral/test_data (github.com/google-coral/test_data) at commit"
            + " 104342d2d3480b3e66203073dac24f4e2dbb4c41, file ";
    private static final String LICENCE = "Apache License 2.0 (google-coral/test_data, Google LLC); the licence text"
            + " is LICENSE-weights.txt in the model's folder";
    private static final String IMAGENET = "ImageNet (ILSVRC-2012) classification: 1,000 classes of objects, animals"
            + " and scenes";
    private static final String LABELS_SHA256 = "b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1";

    /** The sources this importer recognises; a file with another checksum is refused. */
    public static final List<KnownSource> KNOWN = List.of(
            new KnownSource("mobilenet_v2_1.0_224_quant.tflite",
                    "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776", "imagenet_labels.txt",
                    LABELS_SHA256, 0, "mobilenetv2-imagenet", "mobilenetv2-imagenet-backbone",
                    CORAL + "mobilenet_v2_1.0_224_quant.tflite: Google's MobileNetV2 1.0 at 224 x 224 (TF-slim),"
                            + " trained on ImageNet with quantization-aware training and converted to TensorFlow Lite"
                            + " with uint8 weights",
                    LICENCE, IMAGENET,
                    "ImageNet validation top-1 70.8%, top-5 89.9%, as TensorFlow's list of hosted TensorFlow Lite"
                            + " models gives it for Mobilenet_V2_1.0_224_quant (tensorflow/lite/g3doc/guide/"
                            + "hosted_models.md; measured on the quantized model in integer arithmetic, where this"
                            + " import computes in float32 from the dequantized weights)"),
            new KnownSource("tf2_mobilenet_v2_1.0_224_ptq.tflite",
                    "5d3137241276e79c86d14a74fe43581398ae0e815191d3dba45495b810840e8c", "imagenet_labels.txt",
                    LABELS_SHA256, 0, "mobilenetv2-imagenet-tf2", "mobilenetv2-imagenet-tf2-backbone",
                    CORAL + "tf2_mobilenet_v2_1.0_224_ptq.tflite: MobileNetV2 1.0 at 224 x 224 from TensorFlow 2,"
                            + " trained on ImageNet and converted to TensorFlow Lite with int8 post-training"
                            + " quantization (a scale per output channel)",
                    LICENCE, IMAGENET, "none published with the file"));

    private final ModelStore store;

    /** Creates an importer publishing into a store. */
    public TfliteImport(ModelStore store) {
        this.store = store;
    }

    @Override
    public String format() {
        return "TensorFlow Lite flatbuffer (.tflite)";
    }

    @Override
    public boolean recognises(byte[] head) {
        return TfliteFile.hasIdentifier(head);
    }

    @Override
    public ModelManifest importAndPublish(Path source, ImportRequest request) {
        KnownSource known = recognise(source);
        MobileNetV2Graph.Network network = MobileNetV2Graph.read(TfliteFile.read(source));
        int size = request.inputSizeOr(network.inputSize());
        Normalization scaling = scaling(network);
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("source", known.provenance());
        training.put("licence", known.licence());
        training.put("trainedOn", known.trainedOn());
        training.put("importedBy", "product-tagger models import (scripts/import-backbone)");
        training.put("backboneEndsAt", network.lastNode() + " (" + network.architecture().featureSize()
                + " channels), then the global average");
        double divisor = 1 / network.inputScale();
        training.put("inputScaling", "RGB, (p - " + trim(network.inputZeroPoint()) + ")"
                + (divisor == Math.rint(divisor) ? " / " + trim(divisor) : " * " + trim(network.inputScale()))
                + " for pixel values p in 0..255, as the file's input quantisation (scale " + trim(network.inputScale())
                + ", zero point " + trim(network.inputZeroPoint()) + ") defines it");
        training.put("input", size + " x " + size + " (the file's " + network.inputSize() + " x "
                + network.inputSize() + "): the photo composited on white" + (request.backbone()
                        ? ", cropped to the product (trim_border)" : "")
                + ", resized so its longest side is " + size + " and padded to a white square");
        training.put("weights", "quantized in the source (scale x (q - zero point), per tensor or per output"
                + " channel; int32 biases), dequantized to float32; batch norm already folded into each convolution's"
                + " bias; the network runs in float32, not in the file's integer arithmetic");
        Map<String, String> sums = new TreeMap<>(Map.of("model", known.sha256()));
        Publication publication;
        if (request.backbone()) {
            training.put("features", "the global average of the last convolution, L2-normalised (a fine-tune's"
                    + " head is new); the file's classifier layer is left out");
            training.put("sourceSha256", sums);
            MobileNetV2 architecture = network.architecture().withNormalizeFeatures(true);
            publication = new Publication(request.nameOr(known.backboneName()), architecture, List.of(), size,
                    Publication.photoPreprocessing(size, scaling, true), training);
            return publication.publish(store, network.layers());
        }
        if (size != network.inputSize()) {
            throw new ImportException("the classifier was trained at " + network.inputSize() + " x "
                    + network.inputSize() + "; import it at that size (a backbone, --backbone, may take another)");
        }
        Path labelsFile = request.labels() != null ? request.labels() : source.resolveSibling(known.labelsFile());
        List<String> labels = labels(labelsFile, known, network.classes());
        sums.put("labels", known.labelsSha256());
        training.put("sourceSha256", sums);
        training.put("publishedAccuracy", known.publishedAccuracy());
        training.put("outputs", known.backgroundClass() < 0 ? network.classes() + " classes, as in the file"
                : (network.classes() - 1) + " classes: the file's " + network.classes() + " outputs less output "
                + known.backgroundClass() + " (\"background\"), so the scores are the file's probabilities divided by"
                + " 1 - P(background) and background is never a tag");
        List<MobileNetV2Graph.Layer> layers = new ArrayList<>(network.layers());
        layers.add(withoutRow(network.classifier(), known.backgroundClass()));
        publication = new Publication(request.nameOr(known.name()), network.architecture(), labels, size,
                Publication.photoPreprocessing(size, scaling, false), training);
        return publication.publish(store, layers);
    }

    /** Returns the known source with the file's checksum. */
    static KnownSource recognise(Path file) {
        String sum = Publication.sha256(file);
        for (KnownSource s : KNOWN) {
            if (s.sha256().equals(sum)) {
                return s;
            }
        }
        throw new ImportException("unrecognised TensorFlow Lite file: " + file + " has SHA-256 " + sum
                + "; this importer knows " + String.join(", ", KNOWN.stream().map(s -> s.file() + " (SHA-256 "
                        + s.sha256() + ")").toList()) + " from google-coral/test_data at commit 104342d"
                + " (scripts/import-backbone says where to get them)");
    }

    /** The labels of a known source: its file checked, the background line left out. */
    private static List<String> labels(Path file, KnownSource known, int classes) {
        if (!Files.isRegularFile(file)) {
            throw new ImportException("a classifier needs its labels: " + file + " does not exist (give --labels FILE,"
                    + " the " + known.labelsFile() + " published with " + known.file() + ")");
        }
        String sum = Publication.sha256(file);
        if (!sum.equals(known.labelsSha256())) {
            throw new ImportException("unrecognised labels file: " + file + " has SHA-256 " + sum + ", not the "
                    + known.labelsSha256() + " of the " + known.labelsFile() + " published with " + known.file());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ImportException("cannot read " + file + ": " + e.getMessage());
        }
        if (lines.size() != classes) {
            throw new ImportException(file + " has " + lines.size() + " labels for the network's " + classes
                    + " outputs");
        }
        List<String> labels = new ArrayList<>(lines.stream().map(String::strip).toList());
        if (known.backgroundClass() >= 0) {
            labels.remove(known.backgroundClass());
        }
        return labels;
    }

    /** The classifier layer less one output's row (none when {@code row} is negative). */
    private static MobileNetV2Graph.Layer withoutRow(MobileNetV2Graph.Layer layer, int row) {
        if (row < 0) {
            return layer;
        }
        int rows = (int) layer.kernelShape()[0];
        int cols = (int) layer.kernelShape()[1];
        float[] kernel = new float[(rows - 1) * cols];
        System.arraycopy(layer.kernel(), 0, kernel, 0, row * cols);
        System.arraycopy(layer.kernel(), (row + 1) * cols, kernel, row * cols, (rows - row - 1) * cols);
        float[] bias = new float[rows - 1];
        System.arraycopy(layer.bias(), 0, bias, 0, row);
        System.arraycopy(layer.bias(), row + 1, bias, row, rows - row - 1);
        return new MobileNetV2Graph.Layer(layer.node() + " less output " + row, kernel, new long[] {rows - 1, cols},
                bias);
    }

    /** The manifest's normalisation for the file's input quantisation: {@code (x / 255 - mean) / std}. */
    static Normalization scaling(MobileNetV2Graph.Network network) {
        float mean = (float) (network.inputZeroPoint() / 255);
        float std = (float) (1 / (255 * network.inputScale()));
        float[] means = new float[3];
        float[] stds = new float[3];
        Arrays.fill(means, mean);
        Arrays.fill(stds, std);
        return new Normalization(means, stds);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
