package io.producttagger.model.imports;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.producttagger.model.Architecture;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
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
 * Publishing an imported network: the family's block built, the source's weights copied into its layers in order,
 * and a version published whose manifest records where the weights came from. Shared by every importer.
 *
 * @param name the model to publish the next version of
 * @param architecture the family declaration the weights fit
 * @param labels the classifier's labels, or none for a backbone (then only the features block is built and saved)
 * @param inputSize the side of the square input
 * @param preprocessing the manifest's steps, ending in the source's input scaling
 * @param training what the manifest records under {@code training}: provenance, licence, checksums, input scaling
 */
public record Publication(String name, Architecture architecture, List<String> labels, int inputSize,
        List<PreprocessingStep> preprocessing, Map<String, Object> training) {

    /** Copies the lists and the map. */
    public Publication {
        labels = List.copyOf(labels);
        preprocessing = List.copyOf(preprocessing);
        training = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(training));
    }

    /**
     * The preprocessing of a photo for a network taking {@code size} x {@code size} RGB scaled by
     * {@code scaling}: resized so the longest side is {@code size}, padded to a white square. With
     * {@code trimBorder} the photo is first cropped to the product and a light backdrop balanced to white (for
     * backbones, whose fine-tunes see catalog photos).
     */
    public static List<PreprocessingStep> photoPreprocessing(int size, Normalization scaling, boolean trimBorder) {
        List<PreprocessingStep> steps = new ArrayList<>();
        if (trimBorder) {
            steps.add(PreprocessingStep.of(Preprocessor.TRIM_BORDER, Map.of("tolerance", 24)));
        }
        steps.add(PreprocessingStep.of(Preprocessor.RESIZE_LONGEST, Map.of("size", size)));
        steps.add(PreprocessingStep.of(Preprocessor.PAD_SQUARE, Map.of("size", size)));
        steps.add(scaling.toStep());
        return steps;
    }

    /**
     * Builds the block, copies {@code weights} into its convolutions and linear layers in the order the block holds
     * them, and publishes the next version; the manifest's {@code training} gets the parameter count.
     *
     * @throws ImportException when the weights do not fit the block
     */
    public ModelManifest publish(ModelStore store, List<? extends LayerWeights> weights) {
        try (Model model = Model.newInstance(name, Architecture.ENGINE)) {
            Block block = labels.isEmpty() ? architecture.buildFeatures() : architecture.build(labels.size());
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, inputSize, inputSize));
            Map<String, Object> recorded = new LinkedHashMap<>(training);
            recorded.put("parameterCount", copy(block, weights));
            String version = store.nextVersion(name);
            ModelManifest manifest = ModelManifest.builder().setName(name).setVersion(version).setLabels(labels)
                    .setInput(new ModelManifest.InputSpec(inputSize, inputSize, 3)).setArchitecture(architecture)
                    .optPreprocessing(preprocessing).optTraining(recorded).optCreated(Instant.now().toString())
                    .build();
            store.publish(manifest, dir -> model.save(dir, manifest.parameters()));
            return manifest;
        }
    }

    /** Copies the weights, in order, into the block's convolutions and linear layers; returns the parameter count. */
    static long copy(Block block, List<? extends LayerWeights> weights) {
        List<Block> targets = new ArrayList<>();
        collect(block, targets);
        if (targets.size() != weights.size()) {
            throw new ImportException("the block has " + targets.size() + " weighted layers but the source "
                    + weights.size());
        }
        long count = 0;
        for (int i = 0; i < weights.size(); i++) {
            LayerWeights src = weights.get(i);
            Parameter weight = targets.get(i).getParameters().get("weight");
            Parameter bias = targets.get(i).getParameters().get("bias");
            Shape want = weight.getArray().getShape();
            if (!want.equals(new Shape(src.kernelShape()))) {
                throw new ImportException("layer " + i + " (" + src.node() + ") has weights "
                        + new Shape(src.kernelShape()) + " where the block expects " + want);
            }
            weight.getArray().set(FloatBuffer.wrap(src.kernel()));
            bias.getArray().set(FloatBuffer.wrap(src.bias()));
            count += src.kernel().length + src.bias().length;
        }
        return count;
    }

    private static void collect(Block block, List<Block> out) {
        if (block instanceof Conv2d || block instanceof Linear) {
            out.add(block);
            return;
        }
        block.getChildren().values().forEach(child -> collect(child, out));
    }

    /** Returns the SHA-256 of a file in hex. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new ImportException("cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
