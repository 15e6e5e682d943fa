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
    @JsonSubTypes.Type(value = MobileNetV3.class, name = MobileNetV3.TYPE)
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

    /** Returns the length of the feature vector {@link #buildFeatures} ends in, or -1 when it depends on input. */
    int featureSize();

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
     * Splits a built features block (from {@link #buildFeatures}) for a fine-tune whose frozen part can be run
     * once per image and cached: a part that stays frozen and carries no batch statistics, and the part after it
     * that the fine-tune may train, ending in the flat feature vector. Empty when the family's features must train
     * as a whole (e.g. batch norm statistics that have to follow the new data).
     *
     * @param tunableBlocks how many of the last blocks should be in the trainable part (0: only the pooling)
     */
    default Optional<FeatureSplit> frozenSplit(Block features, int tunableBlocks) {
        return Optional.empty();
    }

    /**
     * A features block cut in two: {@code frozen} runs once per image and its output is cached, {@code tunable}
     * maps that output to the feature vector.
     *
     * @param frozen the first part, never trained by the fine-tune
     * @param tunable the second part, trained (when it has parameters) at a low rate
     * @param tunableBlocks how many of the family's blocks the tunable part holds
     */
    record FeatureSplit(Block frozen, Block tunable, int tunableBlocks) {}
}
