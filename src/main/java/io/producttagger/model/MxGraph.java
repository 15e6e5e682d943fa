package io.producttagger.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A network written as an MXNet symbolic graph (the {@code -symbol.json} format), for the families whose
 * description a graph can follow layer for layer ({@link Architecture#writeFeatures}).
 *
 * <p>Why a graph at all: MXNet 1.9 runs each imperative operator on its own, and the operators MKL-DNN does not
 * implement in imperative mode (ReLU6's {@code clip}, {@code Pad}, the residual add) convert every activation from
 * the blocked layout the convolutions use to the plain one and back; on {@code mobilenetv2-imagenet} those
 * conversions took 1.8x the time of all convolutions. A graph run as one cached op goes through MXNet's MKL-DNN
 * subgraph pass, which fuses a convolution with its bias, a following {@code clip} from 0 and a following add, so
 * activations stay blocked from one convolution to the next.
 *
 * <p>Each learnable array is a graph input named after its position ({@code p007_weight}): {@link #parameters()}
 * lists them in the order the family writes them, which is the order of the same layers' parameters in the
 * family's imperative block, so the loaded arrays move over by position (shapes checked).
 *
 * <p>The graph tracks each node's channels, height and width, because TF's {@code SAME} padding at stride 2 depends
 * on whether a size is even: the graph is written for the one input size the manifest declares.
 *
 * <p>The type is public because {@link Architecture}'s methods name it; its writing methods are for the families
 * of this package.
 */
public final class MxGraph {

    /**
     * A node's single output, its shape per image, and the factor still owed to its values.
     *
     * <p>{@code scale} lets an element-wise factor be folded into the weights of the convolution that reads the
     * node instead of costing an operator of its own: the network's activation is {@code scale} times what the
     * node computes. Only a convolution ({@link #sameConv}, which multiplies its weights by it), a spatial mean and
     * a product pass a factor on; every other operator multiplies it out first.
     *
     * @param id index in the node list
     * @param channels channels (or features, for a flat node)
     * @param height height, 1 for a flat node
     * @param width width, 1 for a flat node
     * @param scale the factor the node's values still have to be multiplied by, 1 for none
     */
    public record Node(int id, int channels, int height, int width, double scale) {}

    /**
     * A learnable input of the graph.
     *
     * @param name its argument name
     * @param shape the shape the graph expects
     * @param leading for a convolution weight, how many zero rows and columns (height, width) the graph's kernel
     *     has in front of the block's kernel ({@link #sameConv}); empty for other parameters
     * @param scale the factor the block's array is multiplied by (a convolution weight taking over its input's
     *     {@link Node#scale}), 1 for none
     */
    record Param(String name, long[] shape, int[] leading, double scale) {}

    /** The graph input's name. */
    static final String DATA = "data";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ArrayNode nodes = JSON.createArrayNode();
    private final List<Integer> argNodes = new ArrayList<>();
    private final List<Param> parameters = new ArrayList<>();

    /** Starts a graph and returns its image input, NCHW. */
    Node input(int channels, int height, int width) {
        return new Node(variable(DATA), channels, height, width, 1);
    }

    /** Returns the learnable inputs in the order they were written. */
    List<Param> parameters() {
        return List.copyOf(parameters);
    }

    private int variable(String name) {
        ObjectNode n = nodes.addObject();
        n.put("op", "null").put("name", name).putArray("inputs");
        argNodes.add(nodes.size() - 1);
        return nodes.size() - 1;
    }

    private int param(String suffix, long[] shape, int[] leading, double scale) {
        String name = String.format("p%03d_%s", parameters.size(), suffix);
        parameters.add(new Param(name, shape, leading, scale));
        return variable(name);
    }

    private int op(String op, Map<String, String> attrs, int... inputs) {
        ObjectNode n = nodes.addObject();
        n.put("op", op).put("name", op.toLowerCase(java.util.Locale.ROOT) + nodes.size());
        ObjectNode a = n.putObject("attrs");
        attrs.forEach(a::put);
        ArrayNode in = n.putArray("inputs");
        for (int i : inputs) {
            in.addArray().add(i).add(0).add(0);
        }
        return nodes.size() - 1;
    }

    private static String tuple(long... values) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < values.length; i++) {
            s.append(i > 0 ? ", " : "").append(values[i]);
        }
        return s.append(values.length == 1 ? ",)" : ")").toString();
    }

    /**
     * A convolution with bias and TF {@code SAME} padding, computing what {@link TfLayers#sameConv} computes: its
     * weight and bias are the next two parameters.
     *
     * <p>At stride 1, and along an odd-sized axis at stride 2, TF's padding is symmetric, {@code kernel / 2} on each
     * side, as MXNet's own. Along an even-sized axis at stride 2 TF pads one pixel more after than before, which
     * the imperative block does with a {@code Pad} operator; in a graph that operator would convert the blocked
     * activations to the plain layout and back around it (on {@code mobilenetv2-imagenet} those conversions took
     * half the time of all convolutions at batch 1). Instead the kernel grows by one along that axis with a zero
     * first row (or column) of weights ({@link Param#leading}) and the convolution pads {@code kernel / 2} on both
     * sides: each window then starts one pixel earlier, reads a zero weight there, and covers exactly the pixels
     * TF's window covers, with the same number of outputs.
     *
     * <p>The input's {@link Node#scale} goes into the weight ({@link Param#scale}): a convolution is linear in its
     * input, so {@code W (s x) + b = (s W) x + b}.
     *
     * @param groups 1 for a full convolution, the channel count for a depthwise one
     */
    Node sameConv(Node x, int filters, int kernel, int stride, int groups) {
        int[] sizes = {x.height(), x.width()};
        int[] kernels = new int[2];
        int[] leading = new int[2];
        int[] outs = new int[2];
        for (int axis = 0; axis < 2; axis++) {
            leading[axis] = stride > 1 && kernel > 1 && sizes[axis] % 2 == 0 ? 1 : 0;
            kernels[axis] = kernel + leading[axis];
            outs[axis] = (sizes[axis] + 2 * (kernel / 2) - kernels[axis]) / stride + 1;
        }
        int weight = param("weight", new long[] {filters, x.channels() / groups, kernels[0], kernels[1]}, leading,
                x.scale());
        int bias = param("bias", new long[] {filters}, new int[0], 1);
        int conv = op("Convolution", Map.of("kernel", tuple(kernels[0], kernels[1]), "stride", tuple(stride, stride),
                "pad", tuple(kernel / 2, kernel / 2), "num_filter", Integer.toString(filters), "num_group",
                Integer.toString(groups), "no_bias", "False"), x.id(), weight, bias);
        return new Node(conv, filters, outs[0], outs[1], 1);
    }

    /** {@code min(max(x, low), high)}: MXNet's {@code clip}, which the MKL-DNN pass fuses into a convolution from 0. */
    Node clip(Node x, double low, double high) {
        return same(x, op("clip", Map.of("a_min", Double.toString(low), "a_max", Double.toString(high)),
                settled(x).id()));
    }

    /** ReLU as the {@code Activation} operator, which the MKL-DNN pass fuses into a convolution. */
    Node relu(Node x) {
        return same(x, op("Activation", Map.of("act_type", "relu"), settled(x).id()));
    }

    /** {@code x + scalar}. */
    Node plus(Node x, double scalar) {
        return same(x, op("_plus_scalar", Map.of("scalar", Double.toString(scalar)), settled(x).id()));
    }

    /** {@code x * scalar}. */
    Node times(Node x, double scalar) {
        return same(x, op("_mul_scalar", Map.of("scalar", Double.toString(x.scale() * scalar)), x.id()));
    }

    /** The element-wise sum of two nodes of one shape ({@code elemwise_add}, which the MKL-DNN pass fuses). */
    Node add(Node a, Node b) {
        return same(a, op("elemwise_add", Map.of(), settled(a).id(), settled(b).id()));
    }

    /**
     * The product of {@code a} and {@code b}, broadcasting {@code b} (e.g. a per-channel gate); it owes the product
     * of their factors.
     */
    Node mul(Node a, Node b) {
        boolean sameShape = a.channels() == b.channels() && a.height() == b.height() && a.width() == b.width();
        return new Node(op(sameShape ? "elemwise_mul" : "broadcast_mul", Map.of(), a.id(), b.id()), a.channels(),
                a.height(), a.width(), a.scale() * b.scale());
    }

    /**
     * {@code relu6(x + 3) * scale}, the hard sigmoid of MobileNetV3 with its factor ({@code 1/6} in the paper), as
     * one operator: MXNet's {@code hard_sigmoid}, {@code clip(x / 6 + 0.5, 0, 1)}, with {@code 6 * scale} owed
     * ({@link Node#scale}). Each operator MKL-DNN does not implement reads a convolution's blocked output through a
     * conversion to the plain layout of its own, so one operator here instead of three ({@code +3}, {@code clip},
     * {@code *scale}) saves two passes over the activation besides two of its own.
     */
    Node hardSigmoid(Node x, double scale) {
        int id = op("hard_sigmoid", Map.of("alpha", Double.toString(1.0 / 6), "beta", "0.5"), settled(x).id());
        return new Node(id, x.channels(), x.height(), x.width(), 6 * scale);
    }

    /**
     * Hard-swish, {@code x * relu6(x + 3) * scale}, of a convolution's output, as {@code x * hard_sigmoid(x)} owing
     * {@code 6 * scale}: two operators where the written-out form takes four, both reading one {@link #plain} copy
     * of {@code x}, and the factor folded into the convolution that reads the result ({@link #sameConv}). MKL-DNN
     * (oneDNN 2.4) has a hard-swish, but MXNet 1.9 fuses no such operator into a convolution.
     */
    Node hardSwish(Node x, double scale) {
        Node exact = plain(settled(x));
        return mul(exact, hardSigmoid(exact, scale));
    }

    /**
     * {@code x} copied once into MXNet's plain layout (an identity {@code transpose}, which MKL-DNN runs as one
     * reorder), for a convolution's output that several operators MKL-DNN does not implement read. Each of them
     * would otherwise convert the blocked activation to a plain copy of its own, and one that writes its result in
     * place over a blocked array converts that result back: on {@code mobilenetv3-coco} the activations of
     * hard-swish and squeeze-and-excite went through three to seven such conversions each, one more than needed.
     */
    Node plain(Node x) {
        return new Node(op("transpose", Map.of("axes", "(0, 1, 2, 3)"), x.id()), x.channels(), x.height(), x.width(),
                x.scale());
    }

    /** The spatial mean, keeping the 1x1 spatial axes; it owes what {@code x} owes (the mean is linear). */
    Node spatialMean(Node x) {
        return new Node(globalAverage(x.id()), x.channels(), 1, 1, x.scale());
    }

    /**
     * The spatial mean of node {@code id}, NC11, as MKL-DNN's global average {@code Pooling}: MXNet's own
     * {@code mean} over two axes took 4 ms a call at batch 16, more than the convolution before it.
     */
    private int globalAverage(int id) {
        return op("Pooling", Map.of("kernel", "(1, 1)", "global_pool", "True", "pool_type", "avg"), id);
    }

    /** Global average pooling to a flat NC node, as {@link TfLayers#averagePooling}. */
    Node averagePooling(Node x) {
        return new Node(op("Flatten", Map.of(), globalAverage(settled(x).id())), x.channels(), 1, 1, 1);
    }

    /** Global average pooling to NC, then each image's vector scaled to the L2 norm {@code norm}, as {@link TfLayers#l2Pooling}. */
    Node l2Pooling(Node x, double norm) {
        int pooled = op("Flatten", Map.of(), globalAverage(settled(x).id()));
        int scaled = op("_mul_scalar", Map.of("scalar", Double.toString(norm)), pooled);
        int squares = op("sum", Map.of("axis", "(1,)", "keepdims", "True"), op("square", Map.of(), pooled));
        int length = op("sqrt", Map.of(), op("_plus_scalar", Map.of("scalar", "1e-12"), squares));
        return new Node(op("broadcast_div", Map.of(), scaled, length), x.channels(), 1, 1, 1);
    }

    /** Flat nodes side by side. */
    Node concat(List<Node> parts) {
                return new Node(op("Concat", Map.of("dim", "1", "num_args", Integer.toString(parts.size())),
                parts.stream().map(this::settled).mapToInt(Node::id).toArray()),
                parts.stream().mapToInt(Node::channels).sum(), 1, 1, 1);
    }

    /** A linear layer on a flat node, as {@link TfLayers#head} (dropout is inference's identity): weight, bias. */
    Node linear(Node x, int units) {
        int weight = param("weight", new long[] {units, x.channels()}, new int[0], 1);
        int bias = param("bias", new long[] {units}, new int[0], 1);
        return new Node(op("FullyConnected", Map.of("num_hidden", Integer.toString(units), "no_bias", "False",
                "flatten", "True"), settled(x).id(), weight, bias), units, 1, 1, 1);
    }

    /** Channels {@code begin} to {@code end} (exclusive) of a node. */
    Node channels(Node x, int begin, int end) {
        return new Node(op("slice_axis", Map.of("axis", "1", "begin", Integer.toString(begin), "end",
                Integer.toString(end)), settled(x).id()), end - begin, x.height(), x.width(), 1);
    }

    /** The window {@code [top, top + size) x [left, left + size)} of a node's spatial axes. */
    Node window(Node x, int top, int left, int size) {
        int rows = op("slice_axis", Map.of("axis", "2", "begin", Integer.toString(top), "end",
                Integer.toString(top + size)), settled(x).id());
        return new Node(op("slice_axis", Map.of("axis", "3", "begin", Integer.toString(left), "end",
                Integer.toString(left + size)), rows), x.channels(), size, size, 1);
    }

    /** The sum over the spatial axes, to a flat NC node. */
    Node spatialSum(Node x) {
        return new Node(op("sum", Map.of("axis", "(2, 3)"), settled(x).id()), x.channels(), 1, 1, 1);
    }

    /** The sum over channels, keeping a channel axis of 1. */
    Node channelSum(Node x) {
        return new Node(op("sum", Map.of("axis", "(1,)", "keepdims", "True"), settled(x).id()), 1, x.height(),
                x.width(), 1);
    }

    /** An element-wise operator without attributes ({@code abs}, {@code sqrt}, {@code square}, ...). */
    Node unary(String operator, Node x) {
        return same(x, op(operator, Map.of(), settled(x).id()));
    }

    /**
     * A broadcasting binary operator ({@code broadcast_sub}, {@code broadcast_mul}, ...): each axis of the result is
     * the longer of {@code a}'s and {@code b}'s.
     */
    Node broadcast(String operator, Node a, Node b) {
        return new Node(op(operator, Map.of(), settled(a).id(), settled(b).id()), Math.max(a.channels(),
                b.channels()), Math.max(a.height(), b.height()), Math.max(a.width(), b.width()), 1);
    }

    /** 1 where {@code x > scalar}, else 0. */
    Node greater(Node x, double scalar) {
        return same(x, op("_greater_scalar", Map.of("scalar", Double.toString(scalar)), settled(x).id()));
    }

    /** Each image's whole node scaled to L2 norm 1 ({@code L2Normalization}, instance mode). */
    Node l2Normalize(Node x) {
        return same(x, op("L2Normalization", Map.of("mode", "instance", "eps", "1e-12"), settled(x).id()));
    }

    private static Node same(Node x, int id) {
        return new Node(id, x.channels(), x.height(), x.width(), 1);
    }

    /**
     * Returns {@code x} owing no factor: itself, or its values times what it owes ({@code _mul_scalar}) for an
     * operator that is not linear in its input or reads more than one (a residual add of the stem's hard-swish).
     */
    private Node settled(Node x) {
        return x.scale() == 1 ? x
                : same(x, op("_mul_scalar", Map.of("scalar", Double.toString(x.scale())), x.id()));
    }

    /** Returns the symbol JSON with {@code head} as the graph's one output. */
    String json(Node head) {
        head = settled(head);
        ObjectNode root = JSON.createObjectNode();
        root.set("nodes", nodes.deepCopy());
        ArrayNode args = root.putArray("arg_nodes");
        argNodes.forEach(args::add);
        ArrayNode rows = root.putArray("node_row_ptr");
        for (int i = 0; i <= nodes.size(); i++) {
            rows.add(i);
        }
        root.putArray("heads").addArray().add(head.id()).add(0).add(0);
        root.putObject("attrs").putArray("mxnet_version").add("int").add(10900);
        return root.toString();
    }
}
