package io.producttagger.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * The network architecture a manifest declares, enough to rebuild the block its parameters belong to.
 *
 * <p>{@code vgg-bn}: stages of {@code convsPerStage} 3x3 convolutions with batch norm and ReLU, the
 * width of each stage given by {@code widths}, 2x2 max pooling between stages, then global average
 * pooling, dropout and a linear classifier head. The head is the last child of the block, so a
 * fine-tune can replace it when the label set changes.
 *
 * @param type the architecture family; only {@code vgg-bn} is known
 * @param widths channels per stage
 * @param convsPerStage convolutions per stage
 * @param dropout dropout rate before the head
 */
public record Architecture(String type, List<Integer> widths, int convsPerStage, double dropout) {

    /** The architecture family name of {@link #vggBn}. */
    public static final String VGG_BN = "vgg-bn";

    /** Validates the declaration. */
    public Architecture {
        if (!VGG_BN.equals(type)) {
            throw new IllegalArgumentException("unknown architecture '" + type + "'; known: " + VGG_BN);
        }
        if (widths == null || widths.isEmpty() || convsPerStage < 1) {
            throw new IllegalArgumentException("architecture needs at least one stage and one convolution per stage");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1)");
        }
        widths = List.copyOf(widths);
    }

    /** A VGG-style network with batch norm. */
    public static Architecture vggBn(List<Integer> widths, int convsPerStage, double dropout) {
        return new Architecture(VGG_BN, widths, convsPerStage, dropout);
    }

    /** Builds the feature extractor: everything but the classifier head, ending in a flat feature vector. */
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
    public Block buildHead(int labels) {
        SequentialBlock head = new SequentialBlock();
        if (dropout > 0) {
            head.add(Dropout.builder().optRate((float) dropout).build());
        }
        head.add(Linear.builder().setUnits(labels).build());
        return head;
    }

    /** Builds the whole network: backbone then head. */
    public SequentialBlock build(int labels) {
        SequentialBlock net = new SequentialBlock();
        net.add(buildBackbone());
        net.add(buildHead(labels));
        return net;
    }
}
