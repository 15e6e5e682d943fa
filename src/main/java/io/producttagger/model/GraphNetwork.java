package io.producttagger.model;

import ai.djl.mxnet.engine.MxNDManager;
import ai.djl.mxnet.engine.MxSymbolBlock;
import ai.djl.mxnet.engine.Symbol;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.producttagger.vision.Normalization;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a family's description and a loaded imperative block into the same network as one MXNet symbolic graph
 * (a DJL {@link MxSymbolBlock}, run as a cached op), sharing the block's parameter arrays.
 *
 * <p>The graph is written from the family's own records ({@link Architecture#writeFeatures}), not from a file, so
 * the committed {@code .params} format stays the only thing a version stores, and the imperative block stays what
 * training uses. The graph goes through MXNet's MKL-DNN subgraph pass ({@link #BACKEND}), which fuses each
 * convolution with its bias, ReLU6 and residual add.
 */
public final class GraphNetwork {

    /** The MXNet subgraph backend the graph is partitioned for. */
    static final String BACKEND = "MKLDNN";

    private GraphNetwork() {}

    /**
     * Returns a features block for inference only, such as a fine-tune's frozen backbone whose output is computed
     * once per image: the family's graph over the arrays of {@code features} (the block {@link
     * Architecture#buildFeatures} or {@link Architecture#transferFeatures} made for {@code architecture}, loaded),
     * or {@code features} itself when the family has no graph form. The graph computes no gradients: a block that
     * trains stays imperative.
     *
     * @param input the image size the graph is written for (its TF padding depends on it)
     * @param manager the manager the graph's native symbol and cached op live in (the model's)
     */
    public static Block frozenFeatures(Architecture architecture, Block features, ModelManifest.InputSpec input,
            NDManager manager) {
        return of(architecture, features, 0, input, manager, false).<Block>map(b -> b).orElse(features);
    }

    /**
     * Returns the front of a fine-tune's features split ({@link Architecture#trainableTail}) for inference only: the
     * family's graph of it ({@link Architecture#writeTailInput}) over the arrays of {@code front}, or {@code front}
     * itself when the family has no graph form.
     */
    public static Block frozenTailInput(Architecture architecture, Block front, ModelManifest.InputSpec input,
            NDManager manager) {
        return bind(architecture, architecture::writeTailInput, front, input, manager, false).<Block>map(b -> b)
                .orElse(front);
    }

    /**
     * Writes {@code architecture} as a graph and binds it to the arrays of {@code imperative}, the block those
     * arrays were loaded into: the features alone, or the features and head when {@code labels} is positive.
     *
     * @param manager the manager the graph's native symbol, its cached op and its own arrays live in
     * @param ownArrays whether the graph gets copies of the block's arrays in {@code manager} rather than the arrays
     *     themselves: one thread's graph then shares no native state with another's (see {@link LoadedModel})
     * @return the graph block, or empty when the family has no graph form
     * @throws IllegalStateException if the graph's parameters do not match the block's, in number or shape
     */
    static Optional<MxSymbolBlock> of(Architecture architecture, Block imperative, int labels,
            ModelManifest.InputSpec in, NDManager manager, boolean ownArrays) {
        return bind(architecture, (graph, input) -> architecture.writeFeatures(graph, input)
                .map(features -> labels > 0 ? architecture.writeHead(graph, features, labels) : features),
                imperative, in, manager, ownArrays);
    }

    /**
     * Writes {@code architecture}'s near-duplicate descriptor ({@link DuplicateDescriptor}) on its feature map and
     * binds it to the arrays of {@code features}, the loaded features block, or to copies of them, as {@link #of}.
     *
     * @param normalization the model's preprocessing normalisation, which says where white is in the input
     * @return the graph block, or empty when the family writes no feature map
     */
    static Optional<MxSymbolBlock> duplicates(Architecture architecture, Block features, ModelManifest.InputSpec in,
            Normalization normalization, NDManager manager, boolean ownArrays) {
        return bind(architecture, (graph, input) -> DuplicateDescriptor.write(graph, input, normalization,
                architecture), features, in, manager, ownArrays);
    }

    /** Writes a graph and binds it to the arrays of {@code imperative}, the block it was written for. */
    private static Optional<MxSymbolBlock> bind(Architecture architecture,
            java.util.function.BiFunction<MxGraph, MxGraph.Node, Optional<MxGraph.Node>> writer, Block imperative,
            ModelManifest.InputSpec in, NDManager manager, boolean ownArrays) {
        MxGraph graph = new MxGraph();
        Optional<MxGraph.Node> written = writer.apply(graph, graph.input(in.channels(), in.height(), in.width()));
        if (written.isEmpty()) {
            return Optional.empty();
        }
        MxGraph.Node out = written.get();
        List<MxGraph.Param> params = graph.parameters();
        List<Parameter> arrays = imperative.getParameters().values();
        if (params.size() != arrays.size()) {
            throw new IllegalStateException("the graph of " + architecture.getClass().getSimpleName() + " has "
                    + params.size() + " parameters, its block " + arrays.size());
        }
        Map<String, NDArray> byName = new HashMap<>();
        for (int i = 0; i < params.size(); i++) {
            MxGraph.Param param = params.get(i);
            NDArray source = arrays.get(i).getArray();
            long[] want = param.shape().clone();
            for (int axis = 0; axis < param.leading().length; axis++) {
                want[2 + axis] -= param.leading()[axis];
            }
            if (!Arrays.equals(want, source.getShape().getShape())) {
                throw new IllegalStateException("graph parameter " + param.name() + " needs shape "
                        + Arrays.toString(want) + ", the block's " + arrays.get(i).getName() + " has "
                        + source.getShape());
            }
            NDArray scaled = scaled(source, param.scale());
            NDArray array = withLeadingZeros(scaled, param.leading());
            if (scaled != source && scaled != array) {
                scaled.close(); // only a step towards the padded weight
            }
            if (ownArrays) {
                // a scaled or padded weight is a new array already; only the block's own array is copied
                if (array == source) {
                    array = source.duplicate();
                }
                array.attach(manager);
            }
            byName.put(param.name(), array);
        }
        Symbol symbol = Symbol.loadJson((MxNDManager) manager, graph.json(out));
        MxSymbolBlock block = new MxSymbolBlock(manager, symbol);
        for (Parameter p : block.getAllParameters()) {
            NDArray array = byName.get(p.getName());
            if (array != null) {
                p.setArray(array);
            }
        }
        block.setInputNames(List.of(MxGraph.DATA));
        // Without this pass the graph alone ran mobilenetv2-imagenet 1.7x (batch 1) and 3.8x (batch 16) faster than
        // the block; with it, where convolutions keep their blocked layout, 4x and 9x (same run, OMP=2).
        block.optimizeFor(BACKEND);
        return Optional.of(block);
    }

    /**
     * Returns {@code array} times {@code scale} as a new array in its manager (freed with the model unless the graph
     * owns it), or the array itself when the scale is 1: the graph folded a factor of its input into this weight
     * ({@link MxGraph.Param}).
     */
    private static NDArray scaled(NDArray array, double scale) {
        return scale == 1 ? array : array.mul((float) scale);
    }

    /**
     * Returns a convolution weight (OIHW) with {@code leading[0]} zero rows and {@code leading[1]} zero columns in
     * front, as a new array in the weight's manager (freed with the model unless the graph owns it), or the weight
     * itself when none.
     */
    private static NDArray withLeadingZeros(NDArray weight, int[] leading) {
        NDArray out = weight;
        for (int axis = 0; axis < leading.length; axis++) {
            if (leading[axis] > 0) {
                long[] shape = out.getShape().getShape().clone();
                shape[2 + axis] = leading[axis];
                out = weight.getManager().zeros(new Shape(shape), out.getDataType()).concat(out, 2 + axis);
            }
        }
        return out;
    }
}
