package io.producttagger.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import io.producttagger.vision.Normalization;
import io.producttagger.vision.PreprocessingStep;
import io.producttagger.vision.Preprocessor;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code vgg-bn} family: stages of {@code convsPerStage} 3x3 convolutions with batch norm and ReLU, the
 * width of each stage given by {@code widths}, 2x2 max pooling between stages, then global average
 * pooling, dropout and a linear classifier head. The head is the last child of the block, so a
 * fine-tune can replace it when the label set changes.
 *
 * <p>With {@code colorBins > 0} the network takes RGB: the convolution stack sees the image's luminance
 * (computed inside the network, so a grayscale-trained stack transfers unchanged), and a colour branch beside
 * it describes the image's colours as a soft histogram over {@code colorBins} learnt colours (a 1x1
 * convolution, a softmax over the bins at every pixel, global average pooling, batch norm). The two feature
 * vectors are concatenated before the head. Shape alone cannot tell a lemon from a lime, or cola from milk.
 *
 * @param widths channels per stage
 * @param convsPerStage convolutions per stage
 * @param dropout dropout rate before the head
 * @param colorBins learnt colours of the colour branch, 0 for a grayscale network without one
 */
public record VggBn(List<Integer> widths, int convsPerStage, double dropout, int colorBins) implements Architecture {

    /** The family's {@code architecture.type}. */
    public static final String TYPE = "vgg-bn";

    /** Learnt colours of the colour branch a colour fine-tune adds to a grayscale network. */
    public static final int COLOR_BINS = 16;

    /** Validates the declaration. */
    public VggBn {
        if (widths == null || widths.isEmpty() || convsPerStage < 1) {
            throw new IllegalArgumentException("architecture needs at least one stage and one convolution per stage");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1)");
        }
        if (colorBins < 0 || colorBins > 256) {
            throw new IllegalArgumentException("colorBins must be 0 to 256");
        }
        widths = List.copyOf(widths);
    }

    /** Returns this architecture with a colour branch of {@code bins} learnt colours (0: none). */
    public VggBn withColorBins(int bins) {
        return new VggBn(widths, convsPerStage, dropout, bins);
    }

    /** Returns the input channels the network takes: 3 with a colour branch, else 1. */
    @Override
    public int inputChannels() {
        return colorBins > 0 ? 3 : 1;
    }

    /**
     * Builds the feature extractor: everything but the classifier head, ending in a flat feature vector. The
     * convolution stack is {@link #buildBackbone}; with a colour branch it is wrapped by {@link #withColor}.
     */
    @Override
    public Block buildFeatures() {
        return colorBins > 0 ? withColor(buildBackbone()) : buildBackbone();
    }

    /**
     * Wraps a grayscale convolution stack (e.g. a trained one) into the features of this colour architecture:
     * luminance into the stack, the colour histogram beside it, both concatenated.
     *
     * @throws IllegalStateException when this architecture has no colour branch
     */
    public Block withColor(Block grayBackbone) {
        if (colorBins == 0) {
            throw new IllegalStateException("this architecture has no colour branch");
        }
        SequentialBlock shape = new SequentialBlock().add(new LambdaBlock(VggBn::luminance, "luminance"))
                .add(grayBackbone);
        SequentialBlock color = new SequentialBlock()
                .add(Conv2d.builder().setFilters(colorBins).setKernelShape(new Shape(1, 1)).build())
                .add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().softmax(1)), "colorSoftmax"))
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(BatchNorm.builder().build());
        return new ParallelBlock(outputs -> new NDList(NDArrays.concat(
                new NDList(outputs.get(0).singletonOrThrow(), outputs.get(1).singletonOrThrow()), 1)),
                List.of(shape, color));
    }

    /**
     * Rec. 601 luminance of normalised RGB, (N, 3, H, W) to (N, 1, H, W). With the same mean and standard
     * deviation on every channel this equals the normalised luminance the grayscale stack was trained on,
     * because the weights sum to one.
     */
    private static NDList luminance(NDList input) {
        NDArray x = input.singletonOrThrow();
        NDArray weights = x.getManager().create(new float[] {0.299f, 0.587f, 0.114f}, new Shape(1, 3, 1, 1));
        return new NDList(x.mul(weights).sum(new int[] {1}, true));
    }

    /** Builds the grayscale convolution stack: stages, global average pooling, a flat feature vector. */
    public SequentialBlock buildBackbone() {
        SequentialBlock net = new SequentialBlock();
        for (int s = 0; s < widths.size(); s++) {
            if (s > 0) {
                net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
            }
            for (int i = 0; i < convsPerStage; i++) {
                net.add(Conv2d.builder()
                        .setFilters(widths.get(s))
                        .setKernelShape(new Shape(3, 3))
                        .optPadding(new Shape(1, 1))
                        .optBias(false)
                        .build());
                net.add(BatchNorm.builder().build());
                net.add(Activation.reluBlock());
            }
        }
        net.add(Pool.globalAvgPool2dBlock());
        net.add(Blocks.batchFlattenBlock());
        return net;
    }

    /** Builds the classifier head for the given number of labels. */
    @Override
    public Block buildHead(int labels) {
        SequentialBlock head = new SequentialBlock();
        if (dropout > 0) {
            head.add(Dropout.builder().optRate((float) dropout).build());
        }
        head.add(Linear.builder().setUnits(labels).build());
        return head;
    }


    /** A colour fine-tune of a grayscale network gains a colour branch; anything else keeps the network. */
    @Override
    public Architecture fineTuned(boolean color) {
        return color && colorBins == 0 ? withColorBins(COLOR_BINS) : this;
    }

    /** The trained stack goes inside the colour features when the fine-tune adds the colour branch. */
    @Override
    public Block transferFeatures(Block trainedFeatures, Architecture target) {
        return target instanceof VggBn t && t.colorBins() > 0 && colorBins == 0 ? t.withColor(trainedFeatures)
                : trainedFeatures;
    }

    /**
     * The preprocessing of a colour model made from a grayscale base: the base's steps with {@code grayscale}
     * replaced by {@code stretch} (the same contrast, colours kept) and its normalisation repeated for each of
     * the three channels, so the luminance the network computes is what the base's stack was trained on.
     */
    @Override
    public List<PreprocessingStep> fineTunedPreprocessing(List<PreprocessingStep> baseSteps, boolean color) {
        if (!color || colorBins > 0) {
            return baseSteps;
        }
        List<PreprocessingStep> out = new ArrayList<>();
        Normalization normalization = Normalization.from(PreprocessingStep.of(Normalization.OP), 1);
        for (PreprocessingStep s : baseSteps) {
            if (Preprocessor.GRAYSCALE.equals(s.op())) {
                if (s.number("stretch", 1) != 0) {
                    out.add(PreprocessingStep.of(Preprocessor.STRETCH));
                }
            } else if (Normalization.OP.equals(s.op())) {
                normalization = Normalization.from(s, 1);
            } else {
                out.add(s);
            }
        }
        out.add(normalization.forChannels(3).toStep());
        return out;
    }
}
