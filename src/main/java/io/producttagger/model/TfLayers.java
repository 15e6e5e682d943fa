package io.producttagger.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.util.PairList;
import java.util.List;

/**
 * The layers the TensorFlow-born families ({@link MobileNetV3}, {@link MobileNetV2}) are built from, in one place:
 * convolutions with TensorFlow's {@code SAME} padding, ReLU6, residual adds, global average pooling (plain or
 * L2-normalised) and the linear head.
 *
 * <p>Each helper picks the MXNet operator that does the job in one step where DJL has none: ReLU6 is one
 * {@code clip(0, 6)} (DJL's {@code Activation.relu6Block()} runs {@code relu} then {@code minimum}: two passes
 * over the tensor, and MXNet's MKL-DNN graph pass fuses a convolution with a following {@code clip} from 0, not
 * with {@code minimum}), and TF's asymmetric padding is one MXNet {@code Pad}. The block trees these helpers build
 * are part of the saved parameter format (DJL writes a version and the input shapes for every block, then the
 * parameters in tree order), so changing the shape of a tree changes what a committed {@code .params} file means.
 */
final class TfLayers {

    /** The name of the L2-normalised pooling block, by which a family finds it in a trained tree. */
    static final String L2_POOL = "pool_l2";

    private TfLayers() {}

    /**
     * A convolution with bias (batch norm folded in) and TF {@code SAME} padding: MXNet's own symmetric padding of
     * {@code kernel / 2} at stride 1; at stride 2, where TF puts one more pixel at the bottom and right of an
     * even-sized input than at the top and left, an explicit {@link #samePadding} in front of an unpadded
     * convolution (odd-sized inputs get the symmetric padding from it).
     *
     * @param groups 1 for a full convolution, the channel count for a depthwise one
     */
    static Block sameConv(int filters, int kernel, int stride, int groups) {
        boolean explicit = stride > 1 && kernel > 1;
        Conv2d conv = Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(explicit ? new Shape(0, 0) : new Shape(kernel / 2, kernel / 2))
                .optGroups(groups)
                .optBias(true)
                .build();
        return explicit ? new SequentialBlock().add(samePadding(kernel, stride)).add(conv) : conv;
    }

    /**
     * Pads an NCHW input with zeros as TF's {@code SAME} does before a {@code kernel} x {@code kernel} window at
     * {@code stride}: {@code max(0, (ceil(size / stride) - 1) * stride + kernel - size)} pixels per axis, half of
     * them (rounded down) before and the rest after. One MXNet {@code Pad} operator (DJL's {@code NDArray.pad} is
     * not implemented for MXNet); the pads depend on the input's size, so they are computed on each call.
     */
    static Block samePadding(int kernel, int stride) {
        return LambdaBlock.singleton(x -> {
            long[] pads = new long[8]; // before/after for N, C, H, W
            for (int axis = 2; axis <= 3; axis++) {
                long size = x.getShape().get(axis);
                long out = (size + stride - 1) / stride;
                long total = Math.max(0, (out - 1) * stride + kernel - size);
                pads[2 * axis] = total / 2;
                pads[2 * axis + 1] = total - total / 2;
            }
            if (java.util.Arrays.stream(pads).allMatch(p -> p == 0)) {
                return x;
            }
            PairList<String, Object> params = new PairList<>();
            params.add("mode", "constant");
            params.add("constant_value", 0);
            params.add("pad_width", new Shape(pads));
            return x.getManager().invoke("Pad", new NDList(x), params).singletonOrThrow();
        }, "tf_same_pad");
    }

    /** ReLU6, {@code min(max(x, 0), 6)}, as one {@code clip} (see the class comment for why not DJL's). */
    static Block relu6() {
        return LambdaBlock.singleton(x -> x.clip(0f, 6f), "relu6");
    }

    /** A residual unit: {@code body(x) + x}. */
    static Block residual(Block body) {
        return new ParallelBlock(xs -> new NDList(xs.get(0).singletonOrThrow().add(xs.get(1).singletonOrThrow())),
                List.of(body, Blocks.identityBlock()));
    }

    /** Global average pooling of NCHW to NC (MXNet's global {@code Pooling}). */
    static Block averagePooling() {
        return Pool.globalAvgPool2dBlock();
    }

    /**
     * Global average pooling to NC, then L2 normalisation of each image's vector to {@code norm}: a head trained
     * on such features sees their direction, not their scale, which differs a lot between photos.
     */
    static Block l2Pooling(float norm) {
        return LambdaBlock.singleton(x -> {
            NDArray pooled = x.mean(new int[] {2, 3});
            return pooled.mul(norm).div(pooled.square().sum(new int[] {1}, true).add(1e-12f).sqrt());
        }, L2_POOL);
    }

    /** Returns whether a block is an {@link #l2Pooling}. */
    static boolean isL2Pooling(Block block) {
        return block instanceof LambdaBlock lambda && lambda.getName().startsWith(L2_POOL);
    }

    /** The classifier head: optional dropout, then a linear layer to {@code labels} logits. */
    static Block head(int labels, double dropout) {
        SequentialBlock head = new SequentialBlock();
        if (dropout > 0) {
            head.add(Dropout.builder().optRate((float) dropout).build());
        }
        return head.add(Linear.builder().setUnits(labels).build());
    }
}
