package io.producttagger.model;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.producttagger.vision.PreprocessingStep;
import java.util.List;
import java.util.Optional;

/**
 * A model family: the network a manifest's {@code architecture} declares, enough to rebuild the block its
 * parameters belong to, and what a fine-tune needs to know to start from it.
 *
 * <p>{@code architecture.type} in {@code model.json} selects the family. A family is one record implementing
 * this interface plus its line in {@link JsonSubTypes} below; nothing else names a family, so a new one needs
 * no change in training, the HTTP layer or the command line.
 *
 * <p>Every family builds the same shape: a {@link SequentialBlock} whose child 0 is the feature extractor
 * (ending in a flat vector per image) and child 1 the classifier head, which a fine-tune replaces for new labels.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = VggBn.class, name = VggBn.TYPE),
    @JsonSubTypes.Type(value = MobileNetV3.class, name = MobileNetV3.TYPE),
    @JsonSubTypes.Type(value = MobileNetV2.class, name = MobileNetV2.TYPE)
})
public interface Architecture {

    /** The DJL engine every family's blocks are built for and run on. */
    String ENGINE = "MXNet";

    /** Returns a grayscale VGG-style network with batch norm (the bundled model's family). */
    static VggBn vggBn(List<Integer> widths, int convsPerStage, double dropout) {
        return new VggBn(widths, convsPerStage, dropout, 0);
    }

    /** Returns the features block (child 0) of a network {@link #build} made. */
    static Block features(Block built) {
        return built.getChildren().get(0).getValue();
    }

    /** Returns the head block (child 1) of a network {@link #build} made. */
    static Block head(Block built) {
        return built.getChildren().get(1).getValue();
    }

    /** Returns the input channels the network takes: 1 (grayscale) or 3 (RGB). */
    int inputChannels();

    /** Builds the whole network: features (child 0) then the head for {@code labels} labels (child 1). */
    default SequentialBlock build(int labels) {
        return new SequentialBlock().add(buildFeatures()).add(buildHead(labels));
    }

    /** Builds the feature extractor: everything but the head, ending in a flat feature vector per image. */
    Block buildFeatures();

    /** Builds a new, untrained classifier head for the given number of labels. */
    Block buildHead(int labels);

    /**
     * Returns the architecture of a model fine-tuned from this one.
     *
     * @param color whether the fine-tuned model should take colour photos
     */
    default Architecture fineTuned(boolean color) {
        return this;
    }

    /**
     * Wraps this family's trained features block into the features of {@link #fineTuned}: the block itself
     * when the two are the same network, or the block inside a bigger one (e.g. a colour branch beside it).
     */
    default Block transferFeatures(Block trainedFeatures, Architecture target) {
        return trainedFeatures;
    }

    /**
     * Returns the preprocessing of a model fine-tuned from a base with these steps.
     *
     * @param color whether the fine-tuned model should take colour photos
     */
    default List<PreprocessingStep> fineTunedPreprocessing(List<PreprocessingStep> baseSteps, boolean color) {
        return baseSteps;
    }

    /**
     * Writes the features into an MXNet symbolic graph, node for node what {@link #buildFeatures} builds and with
     * its parameters in the same order, so that a loaded version can run as one graph (see {@link MxGraph} for why).
     * Empty (the default) when the family has no graph form; it then runs as its imperative block.
     *
     * @param graph the graph being written
     * @param input the image input, NCHW at the manifest's size
     * @return the features node (flat, one vector per image), or empty
     */
    default Optional<MxGraph.Node> writeFeatures(MxGraph graph, MxGraph.Node input) {
        return Optional.empty();
    }

    /**
     * Writes the features before their pooling into a graph (the last feature map, NCHW), node for node what
     * {@link #buildFeatures} builds and with its parameters in the same order, for the near-duplicate descriptor
     * ({@link ModelOutput#DUPLICATES}). Empty (the default) when the family has no graph form.
     */
    default Optional<MxGraph.Node> writeFeatureMap(MxGraph graph, MxGraph.Node input) {
        return Optional.empty();
    }

    /**
     * Writes the front of {@link #trainableTail} (the part a fine-tune caches) into a graph, node for node and with
     * its parameters in the same order; empty (the default) when the family has no graph form.
     *
     * @return the node whose activations the tail reads, or empty
     */
    default Optional<MxGraph.Node> writeTailInput(MxGraph graph, MxGraph.Node input) {
        return Optional.empty();
    }

    /**
     * Writes the classifier head on the features into a graph, as {@link #buildHead} builds it; only called when
     * {@link #writeFeatures} wrote the features.
     */
    default MxGraph.Node writeHead(MxGraph graph, MxGraph.Node features, int labels) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " writes no graph");
    }

    /**
     * Returns whether a fine-tune may freeze this family's whole features block and cache its output once per
     * image, training only the head on the cached vectors: true when the features carry no batch statistics that
     * must follow the new data. False (the default) makes the fine-tune train on images, backbone and all.
     */
    default boolean cachesFeatures() {
        return false;
    }

    /**
     * Returns whether a fine-tune may train this family's last feature layers on cached activations of the
     * layers before them ({@link #trainableTail}). False by default.
     */
    default boolean hasTrainableTail() {
        return false;
    }

    /**
     * Splits a features block of this family where a fine-tune's trainable tail starts: the frozen front, whose
     * output a fine-tune caches once per image, and the last layers (pooling included), which train with the new
     * head. Both parts share the block's layers and parameters, so training the tail trains the features.
     *
     * @throws UnsupportedOperationException when the family has no trainable tail ({@link #hasTrainableTail})
     */
    default FeatureSplit trainableTail(Block features) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no trainable tail");
    }

    /**
     * A features block cut in two: {@code tail(frozen(x))} is the features of {@code x}.
     *
     * @param frozen the front: runs once per image in a fine-tune
     * @param tail the last layers, ending with the pooling
     */
    record FeatureSplit(Block frozen, Block tail) {}
}
