package io.producttagger.model.tfjs;

import io.producttagger.model.MobileNetV3;
import java.util.ArrayList;
import java.util.List;

/**
 * Recognises a TF-slim MobileNetV3 backbone in a TF.js graph and reads it out as a {@link MobileNetV3} declaration
 * plus the weights of its convolutions in the order the DJL block holds them.
 *
 * <p>The walk starts at the graph's image input and follows the TF-slim names ({@code SCOPE/Conv},
 * {@code SCOPE/expanded_conv}, {@code SCOPE/expanded_conv_1}, ...), checking at each node that its operation,
 * padding and data input are what a MobileNetV3 block wires there, so a graph of another shape is refused with the
 * node that differs instead of being imported wrongly. Everything after the last block (a detection head, say) is
 * left out. Convolutions arrive with batch norm folded into their bias ({@code _FusedConv2D} with
 * {@code BiasAdd}), activations are a fused {@code Relu} or hard-swish spelled out as
 * {@code Mul(c, x) * Relu6(x + 3)}; squeeze-and-excite is {@code Mean}, a 1x1 conv with ReLU, a 1x1 conv, then
 * {@code Relu6(x + 3) * c}.
 */
public final class MobileNetV3Graph {

    /**
     * A convolution's weights in DJL's layout.
     *
     * @param node the graph node they come from
     * @param kernel OIHW kernel ({@code [C, 1, kh, kw]} for a depthwise one)
     * @param kernelShape its shape
     * @param bias one bias per output channel (batch norm folded in)
     */
    public record Conv(String node, float[] kernel, long[] kernelShape, float[] bias)
            implements io.producttagger.model.imports.LayerWeights {}

    /**
     * What was read.
     *
     * @param architecture the backbone's declaration (dropout 0; the head is the fine-tune's)
     * @param convs every convolution's weights, stem first, in the block's order
     * @param input the image input's node name
     * @param lastNode the node whose output the backbone ends in
     */
    public record Backbone(MobileNetV3 architecture, List<Conv> convs, String input, String lastNode) {}

    private final TfjsGraph graph;
    private final String scope;
    private final List<Conv> convs = new ArrayList<>();
    private double gateScale = Double.NaN;

    private MobileNetV3Graph(TfjsGraph graph, String scope) {
        this.graph = graph;
        this.scope = scope;
    }

    /**
     * Reads the backbone under {@code scope} (e.g. {@code tower_0/MobilenetV3}).
     *
     * @throws TfjsImportException naming the first node that is not where a MobileNetV3 has it
     */
    public static Backbone read(TfjsGraph graph, String scope) {
        return new MobileNetV3Graph(graph, scope).read();
    }

    private Backbone read() {
        if (graph.inputs().size() != 1) {
            throw refuse("the graph has " + graph.inputs().size() + " inputs; a backbone takes one image tensor");
        }
        String input = graph.inputs().get(0);
        TfjsGraph.Node placeholder = graph.node(input);
        if (placeholder == null || !"Placeholder".equals(placeholder.op())) {
            throw refuse("the signature's input '" + input + "' is not a Placeholder node");
        }
        TfjsGraph.Node stemConv = require(scope + "/Conv/BatchNorm/FusedBatchNorm", "_FusedConv2D", input);
        int stride = stride(stemConv);
        Activated stem = activated(stemConv, scope + "/Conv", stemConv.name());
        Conv stemWeights = conv(stemConv, false);
        convs.add(stemWeights);
        MobileNetV3.Stem stemSpec = new MobileNetV3.Stem((int) stemWeights.kernelShape()[0],
                (int) stemWeights.kernelShape()[2], stride, stem.activation());
        if (stemWeights.kernelShape()[1] != 3) {
            throw refuse("the stem convolution takes " + stemWeights.kernelShape()[1] + " channels, not RGB");
        }
        List<MobileNetV3.Bottleneck> blocks = new ArrayList<>();
        String x = stem.output();
        int channels = stemSpec.filters();
        for (int i = 0; ; i++) {
            String block = scope + "/expanded_conv" + (i == 0 ? "" : "_" + i);
            if (graph.node(block + "/project/BatchNorm/FusedBatchNorm") == null) {
                if (i == 0) {
                    throw refuse("no block '" + block + "' after the stem");
                }
                break;
            }
            Block b = block(block, x, channels);
            blocks.add(b.spec());
            x = b.output();
            channels = b.spec().filters();
        }
        MobileNetV3 architecture = new MobileNetV3(stemSpec, blocks, gateScale, 0);
        return new Backbone(architecture, List.copyOf(convs), input, x);
    }

    private record Block(MobileNetV3.Bottleneck spec, String output) {}

    private record Activated(String activation, String output) {}

    private Block block(String block, String input, int inChannels) {
        String x = input;
        int expand = 0;
        String activation;
        TfjsGraph.Node expandNode = graph.node(block + "/expand/Relu");
        if (expandNode == null) {
            expandNode = graph.node(block + "/expand/BatchNorm/FusedBatchNorm");
        }
        if (expandNode != null) {
            requireWiring(expandNode, "_FusedConv2D", x);
            Conv w = conv(expandNode, false);
            checkPointwise(w, expandNode);
            convs.add(w);
            expand = (int) w.kernelShape()[0];
            Activated a = activated(expandNode, block + "/expand", expandNode.name());
            x = a.output();
        }
        TfjsGraph.Node dw = require(block + "/depthwise/depthwise", "FusedDepthwiseConv2dNative", x);
        Conv dwWeights = conv(dw, true);
        convs.add(dwWeights);
        int stride = stride(dw);
        Activated a = activated(dw, block + "/depthwise", dw.name());
        activation = a.activation();
        x = a.output();
        int mid = (int) dwWeights.kernelShape()[0];
        int squeeze = 0;
        if (graph.node(block + "/squeeze_excite/Mean") != null) {
            require(block + "/squeeze_excite/Mean", "Mean", x);
            TfjsGraph.Node reduce = require(block + "/squeeze_excite/Conv/Relu", "_FusedConv2D",
                    block + "/squeeze_excite/Mean");
            if (!reduce.strings("fused_ops").equals(List.of("BiasAdd", "Relu"))) {
                throw refuse("squeeze-and-excite '" + reduce.name() + "' is not a convolution with ReLU");
            }
            Conv r = conv(reduce, false);
            convs.add(r);
            squeeze = (int) r.kernelShape()[0];
            TfjsGraph.Node expandGate = require(block + "/squeeze_excite/Conv_1/BiasAdd", "_FusedConv2D",
                    reduce.name());
            convs.add(conv(expandGate, false));
            TfjsGraph.Node add = require(block + "/squeeze_excite/Conv_1/add", "Add", expandGate.name());
            expectConstant(add.inputs().get(1), 3, add);
            require(block + "/squeeze_excite/Conv_1/Relu6", "Relu6", add.name());
            TfjsGraph.Node scale = require(block + "/squeeze_excite/Conv_1/mul", "Mul", null);
            if (!scale.inputs().contains(block + "/squeeze_excite/Conv_1/Relu6")) {
                throw refuse("'" + scale.name() + "' does not scale the gate's Relu6");
            }
            gate(scale.inputs().get(0), scale);
            TfjsGraph.Node mul = require(block + "/squeeze_excite/mul", "Mul", null);
            if (!mul.inputs().containsAll(List.of(scale.name(), x))) {
                throw refuse("'" + mul.name() + "' does not multiply the block's features by the gate");
            }
            x = mul.name();
        }
        TfjsGraph.Node project = require(block + "/project/BatchNorm/FusedBatchNorm", "_FusedConv2D", x);
        if (!project.strings("fused_ops").equals(List.of("BiasAdd"))) {
            throw refuse("projection '" + project.name() + "' is not linear (fused_ops "
                    + project.strings("fused_ops") + ")");
        }
        Conv p = conv(project, false);
        checkPointwise(p, project);
        convs.add(p);
        int filters = (int) p.kernelShape()[0];
        x = project.name();
        TfjsGraph.Node residual = graph.node(block + "/add");
        boolean keepsShape = stride == 1 && inChannels == filters;
        if (residual != null) {
            if (!"Add".equals(residual.op()) || !residual.inputs().containsAll(List.of(project.name(), input))
                    || !keepsShape) {
                throw refuse("'" + residual.name() + "' is not the residual add of its block");
            }
            x = residual.name();
        } else if (keepsShape) {
            throw refuse("block '" + block + "' keeps its shape but has no residual add; this importer builds one");
        }
        return new Block(new MobileNetV3.Bottleneck(expand, (int) dwWeights.kernelShape()[2], stride, squeeze,
                activation, filters), x);
    }

    /** Reads the activation after a convolution: a fused Relu, or a hard-swish spelled out under {@code scope}. */
    private Activated activated(TfjsGraph.Node conv, String scopeOfLayer, String output) {
        List<String> fused = conv.strings("fused_ops");
        if (fused.equals(List.of("BiasAdd", "Relu"))) {
            return new Activated("relu", output);
        }
        if (!fused.equals(List.of("BiasAdd"))) {
            throw refuse("'" + conv.name() + "' fuses " + fused + "; expected BiasAdd, optionally with Relu");
        }
        String hs = scopeOfLayer + "/hard_swish";
        TfjsGraph.Node scaled = require(hs + "/mul", "Mul", null);
        if (!scaled.inputs().contains(output)) {
            throw refuse("'" + scaled.name() + "' does not scale '" + output + "'");
        }
        gate(scaled.inputs().get(0), scaled);
        TfjsGraph.Node add = require(hs + "/add", "Add", output);
        expectConstant(add.inputs().get(1), 3, add);
        require(hs + "/Relu6", "Relu6", add.name());
        TfjsGraph.Node out = require(hs + "/mul_1", "Mul", null);
        if (!out.inputs().containsAll(List.of(scaled.name(), hs + "/Relu6"))) {
            throw refuse("'" + out.name() + "' is not x * c * relu6(x + 3)");
        }
        return new Activated("hard_swish", out.name());
    }

    /** Records the gate scale, which must be the same constant everywhere. */
    private void gate(String constant, TfjsGraph.Node at) {
        TfjsGraph.Weight c = graph.weight(constant);
        if (c.values().length != 1) {
            throw refuse("'" + at.name() + "' scales by a tensor, not a constant");
        }
        double v = c.values()[0];
        if (Math.abs(v - 1.0 / 6) > 1e-3) {
            throw refuse("'" + at.name() + "' scales by " + v + "; hard-swish and hard-sigmoid scale by 1/6");
        }
        if (!Double.isNaN(gateScale) && v != gateScale) {
            throw refuse("'" + at.name() + "' scales by " + v + " where other layers scale by " + gateScale);
        }
        gateScale = v;
    }

    private void expectConstant(String name, double value, TfjsGraph.Node at) {
        TfjsGraph.Weight c = graph.weight(name);
        if (c.values().length != 1 || c.values()[0] != value) {
            throw refuse("'" + at.name() + "' adds " + java.util.Arrays.toString(c.values()) + ", expected " + value);
        }
    }

    private TfjsGraph.Node require(String name, String op, String dataInput) {
        TfjsGraph.Node n = graph.node(name);
        if (n == null) {
            throw refuse("node '" + name + "' is missing");
        }
        requireWiring(n, op, dataInput);
        return n;
    }

    private void requireWiring(TfjsGraph.Node n, String op, String dataInput) {
        if (!op.equals(n.op())) {
            throw refuse("node '" + n.name() + "' is " + n.op() + ", expected " + op);
        }
        if (dataInput != null && (n.inputs().isEmpty() || !n.inputs().get(0).equals(dataInput))) {
            throw refuse("node '" + n.name() + "' reads " + (n.inputs().isEmpty() ? "nothing" : n.inputs().get(0))
                    + ", expected " + dataInput);
        }
        if (n.attr().has("padding") && !"SAME".equals(n.string("padding"))) {
            throw refuse("node '" + n.name() + "' pads " + n.string("padding") + "; this importer maps SAME");
        }
    }

    private int stride(TfjsGraph.Node n) {
        List<Integer> s = n.ints("strides");
        if (s.size() != 4 || s.get(0) != 1 || s.get(3) != 1 || !s.get(1).equals(s.get(2))) {
            throw refuse("node '" + n.name() + "' has strides " + s + "; expected NHWC [1, s, s, 1]");
        }
        return s.get(1);
    }

    private void checkPointwise(Conv w, TfjsGraph.Node n) {
        if (w.kernelShape()[2] != 1 || w.kernelShape()[3] != 1) {
            throw refuse("'" + n.name() + "' is not a 1x1 convolution");
        }
        if (stride(n) != 1) {
            throw refuse("'" + n.name() + "' is a strided 1x1 convolution");
        }
    }

    /** Reads a convolution's kernel (HWIO, or HWC1 for depthwise) into OIHW, and its bias. */
    private Conv conv(TfjsGraph.Node n, boolean depthwise) {
        if (n.inputs().size() != 3) {
            throw refuse("'" + n.name() + "' has " + n.inputs().size() + " inputs; expected data, kernel and bias");
        }
        TfjsGraph.Weight k = graph.weight(n.inputs().get(1));
        TfjsGraph.Weight b = graph.weight(n.inputs().get(2));
        int[] s = k.shape();
        if (s.length != 4 || (depthwise && s[3] != 1)) {
            throw refuse("'" + n.name() + "' has a kernel of shape " + java.util.Arrays.toString(s));
        }
        int kh = s[0];
        int kw = s[1];
        int in = s[2];
        int out = depthwise ? s[2] : s[3];
        if (b.values().length != out) {
            throw refuse("'" + n.name() + "' has " + b.values().length + " biases for " + out + " channels");
        }
        float[] src = k.values();
        float[] dst = new float[src.length];
        if (depthwise) {
            for (int c = 0; c < in; c++) {
                for (int h = 0; h < kh; h++) {
                    for (int w = 0; w < kw; w++) {
                        dst[(c * kh + h) * kw + w] = src[(h * kw + w) * in + c];
                    }
                }
            }
            return new Conv(n.name(), dst, new long[] {in, 1, kh, kw}, b.values());
        }
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int h = 0; h < kh; h++) {
                    for (int w = 0; w < kw; w++) {
                        dst[((o * in + i) * kh + h) * kw + w] = src[((h * kw + w) * in + i) * out + o];
                    }
                }
            }
        }
        return new Conv(n.name(), dst, new long[] {out, in, kh, kw}, b.values());
    }

    private static TfjsImportException refuse(String why) {
        return new TfjsImportException("not a MobileNetV3 backbone this importer recognises: " + why);
    }
}
