package io.producttagger.model.tflite;

import io.producttagger.model.MobileNetV2;
import io.producttagger.model.imports.ImportException;
import io.producttagger.model.imports.LayerWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Recognises a MobileNetV2 classifier in a TensorFlow Lite file and reads it out as a {@link MobileNetV2} declaration
 * plus every layer's weights (dequantised to float32, in the layouts of the DJL block) and the input's scaling.
 *
 * <p>The walk follows the operators in order from the image input and checks at each one that it is the operator a
 * MobileNetV2 has there, with the options this family computes (TF {@code SAME} padding, ReLU6 fused into the
 * convolutions, no dilation, a depthwise multiplier of 1) and wired to the previous layer's output; a file of
 * another shape is refused naming the operator that differs. The sequence: an optional {@code QUANTIZE} of the
 * input; the stem {@code CONV_2D}; blocks of an optional 1x1 {@code CONV_2D} expansion, a
 * {@code DEPTHWISE_CONV_2D} and a linear 1x1 {@code CONV_2D} projection, followed by an {@code ADD} of the block's
 * input exactly when the block keeps its shape; a last 1x1 {@code CONV_2D}; a global {@code AVERAGE_POOL_2D} or
 * {@code MEAN}; the classifier's 1x1 {@code CONV_2D} or {@code FULLY_CONNECTED}; {@code RESHAPE}, {@code SOFTMAX},
 * and an optional {@code QUANTIZE} or {@code DEQUANTIZE} of the output. TFLite kernels are OHWI (depthwise
 * {@code [1, kh, kw, C]}); DJL's are OIHW ({@code [C, 1, kh, kw]}).
 */
public final class MobileNetV2Graph {

    /**
     * One layer's weights in DJL's layout.
     *
     * @param node the operator they come from, e.g. {@code 3 CONV_2D MobilenetV2/expanded_conv_1/expand/Relu6}
     * @param kernel OIHW kernel, or {@code [out, in]} for the classifier
     * @param kernelShape its shape
     * @param bias one per output channel
     */
    public record Layer(String node, float[] kernel, long[] kernelShape, float[] bias) implements LayerWeights {}

    /**
     * What was read.
     *
     * @param architecture the network's declaration, features as the classifier's head takes them (not normalised)
     * @param layers the weights of the stem, blocks and last convolution, in the block's order
     * @param classifier the weights of the classification layer ({@code [classes, features]})
     * @param inputSize the side of the square input the file declares
     * @param inputScale the scale of the input's quantisation: the network sees
     *     {@code inputScale * (p - inputZeroPoint)} for a pixel value {@code p} in 0..255
     * @param inputZeroPoint the zero point of the input's quantisation, as a 0..255 pixel value
     * @param lastNode the name of the tensor the features end in (before pooling)
     */
    public record Network(MobileNetV2 architecture, List<Layer> layers, Layer classifier, int inputSize,
            double inputScale, double inputZeroPoint, String lastNode) {

        /** Returns the number of classes the classifier scores. */
        public int classes() {
            return (int) classifier.kernelShape()[0];
        }
    }

    private final TfliteFile file;
    private final List<TfliteFile.Operator> ops;
    private final List<Layer> layers = new ArrayList<>();
    private int next;
    private int x;

    private MobileNetV2Graph(TfliteFile file) {
        this.file = file;
        this.ops = file.operators();
    }

    /**
     * Reads the network.
     *
     * @throws ImportException naming the first operator that is not where a MobileNetV2 classifier has it
     */
    public static Network read(TfliteFile file) {
        return new MobileNetV2Graph(file).read();
    }

    private Network read() {
        if (file.subgraphs() != 1 || file.inputs().length != 1 || file.outputs().length != 1) {
            throw refuse("the file has " + file.subgraphs() + " subgraph(s), " + file.inputs().length + " input(s) and "
                    + file.outputs().length + " output(s); a classifier has one of each");
        }
        TfliteFile.Tensor input = file.tensor(file.inputs()[0]);
        int[] shape = input.shape();
        if (shape.length != 4 || shape[0] != 1 || shape[1] != shape[2] || shape[3] != 3) {
            throw refuse("the input " + input.shortName() + " has shape " + Arrays.toString(shape)
                    + "; a classifier of square RGB photos takes [1, S, S, 3]");
        }
        double[] scaling = inputScaling(input);
        x = input.index();
        if (peek("QUANTIZE")) {
            x = take("QUANTIZE").outputs()[0]; // uint8 to int8: the real values stay the same
        }
        TfliteFile.Operator stemOp = conv("CONV_2D", "RELU6");
        Layer stem = convLayer(stemOp);
        if (stem.kernelShape()[1] != 3) {
            throw refuse(describe(stemOp) + " takes " + stem.kernelShape()[1] + " channels, not RGB");
        }
        MobileNetV2.Stem stemSpec = new MobileNetV2.Stem((int) stem.kernelShape()[0], (int) stem.kernelShape()[2],
                stemOp.options().strideH());
        int channels = stemSpec.filters();
        List<MobileNetV2.InvertedResidual> blocks = new ArrayList<>();
        while (peek("DEPTHWISE_CONV_2D") || (peek("CONV_2D") && peekAt(1, "DEPTHWISE_CONV_2D"))) {
            MobileNetV2.InvertedResidual b = block(channels);
            blocks.add(b);
            channels = b.filters();
        }
        if (blocks.isEmpty()) {
            throw refuse("no inverted residual block after the stem (" + describe(stemOp) + ")");
        }
        TfliteFile.Operator lastOp = conv("CONV_2D", "RELU6");
        Layer last = convLayer(lastOp);
        requirePointwise(lastOp, last);
        String lastNode = file.tensor(x).shortName();
        pool();
        Layer classifier = classifier();
        if (!peek("RESHAPE")) {
            throw expected("RESHAPE");
        }
        x = take("RESHAPE").outputs()[0];
        TfliteFile.Operator softmax = expect("SOFTMAX");
        if (softmax.options().beta() != 1f) {
            throw refuse(describe(softmax) + " has beta " + softmax.options().beta() + "; this importer reads beta 1");
        }
        x = softmax.outputs()[0];
        if (peek("QUANTIZE") || peek("DEQUANTIZE")) {
            x = take(ops.get(next).op()).outputs()[0];
        }
        if (next != ops.size() || x != file.outputs()[0]) {
            throw refuse("the graph goes on after the softmax (operator " + next + " of " + ops.size()
                    + (next < ops.size() ? ": " + describe(ops.get(next)) : "") + ")");
        }
        MobileNetV2 architecture = new MobileNetV2(stemSpec, blocks, (int) last.kernelShape()[0], false, 0);
        return new Network(architecture, List.copyOf(layers), classifier, shape[1], scaling[0], scaling[1], lastNode);
    }

    /** The input's quantisation as (scale, zero point in 0..255); an int8 input's zero point is shifted by 128. */
    private double[] inputScaling(TfliteFile.Tensor input) {
        TfliteFile.Quantization q = input.quantization();
        if (q == null || q.scale().length != 1 || !(input.type().equals("UINT8") || input.type().equals("INT8"))) {
            throw refuse("the input " + input.shortName() + " is " + input.type() + (q == null ? " without" : " with")
                    + " per-tensor quantisation; the importer takes the input's scaling from a uint8 or int8 input's"
                    + " scale and zero point");
        }
        long zero = q.zeroPoint() == null || q.zeroPoint().length == 0 ? 0 : q.zeroPoint()[0];
        return new double[] {q.scale()[0], input.type().equals("INT8") ? zero + 128 : zero};
    }

    private MobileNetV2.InvertedResidual block(int in) {
        int blockInput = x;
        int expand = 0;
        if (peek("CONV_2D")) {
            TfliteFile.Operator op = conv("CONV_2D", "RELU6");
            Layer l = convLayer(op);
            requirePointwise(op, l);
            expand = (int) l.kernelShape()[0];
        }
        TfliteFile.Operator dwOp = conv("DEPTHWISE_CONV_2D", "RELU6");
        Layer dw = depthwiseLayer(dwOp);
        TfliteFile.Operator projectOp = conv("CONV_2D", "NONE");
        Layer project = convLayer(projectOp);
        requirePointwise(projectOp, project);
        int filters = (int) project.kernelShape()[0];
        int kernel = (int) dw.kernelShape()[2];
        int stride = dwOp.options().strideH();
        boolean keepsShape = stride == 1 && in == filters;
        boolean adds = peek("ADD") && ops.get(next).inputs().length == 2
                && List.of(ops.get(next).inputs()[0], ops.get(next).inputs()[1]).containsAll(List.of(x, blockInput));
        if (adds != keepsShape) {
            throw refuse("after " + describe(projectOp) + " a MobileNetV2 " + (keepsShape ? "adds" : "does not add")
                    + " the block's input (stride " + stride + ", " + in + " to " + filters + " channels), but "
                    + (next < ops.size() ? "operator " + describe(ops.get(next)) : "the graph ends"));
        }
        if (adds) {
            TfliteFile.Operator add = ops.get(next++); // its inputs were checked above, in either order
            if (!add.options().activation().equals("NONE")) {
                throw refuse(describe(add) + " has activation " + add.options().activation() + ", expected NONE");
            }
            x = add.outputs()[0];
        }
        return new MobileNetV2.InvertedResidual(expand, kernel, stride, filters);
    }

    /** Global average pooling: AVERAGE_POOL_2D over the whole map, or MEAN over height and width. */
    private void pool() {
        int[] in = file.tensor(x).shape();
        if (peek("AVERAGE_POOL_2D")) {
            TfliteFile.Operator op = take("AVERAGE_POOL_2D");
            TfliteFile.Options o = op.options();
            if (in.length != 4 || !o.padding().equals("VALID") || o.filterH() != in[1] || o.filterW() != in[2]
                    || !o.activation().equals("NONE")) {
                throw refuse(describe(op) + " is not a global average over the " + Arrays.toString(in) + " map"
                        + " (window " + o.filterH() + "x" + o.filterW() + ", padding " + o.padding() + ")");
            }
            x = op.outputs()[0];
        } else if (peek("MEAN")) {
            TfliteFile.Operator op = take("MEAN");
            int[] axes = op.inputs().length == 2 ? file.tensor(op.inputs()[1]).ints() : new int[0];
            if (!Arrays.equals(axes, new int[] {1, 2})) {
                throw refuse(describe(op) + " averages over axes " + Arrays.toString(axes) + ", not height and width");
            }
            x = op.outputs()[0];
        } else {
            throw expected("AVERAGE_POOL_2D or MEAN");
        }
    }

    /** The classification layer: a 1x1 CONV_2D on the pooled map, or FULLY_CONNECTED, without activation. */
    private Layer classifier() {
        if (peek("FULLY_CONNECTED")) {
            TfliteFile.Operator op = take("FULLY_CONNECTED");
            if (!op.options().activation().equals("NONE")) {
                throw refuse(describe(op) + " has activation " + op.options().activation() + ", expected NONE");
            }
            TfliteFile.Tensor w = weight(op, 1);
            x = op.outputs()[0];
            return new Layer(describe(op), w.values(), new long[] {w.shape()[0], w.shape()[1]}, bias(op,
                    w.shape()[0]));
        }
        TfliteFile.Operator op = conv("CONV_2D", "NONE");
        Layer l = convLayer(op);
        requirePointwise(op, l);
        layers.remove(layers.size() - 1); // the classifier is kept apart from the features
        return new Layer(l.node(), l.kernel(), new long[] {l.kernelShape()[0], l.kernelShape()[1]}, l.bias());
    }

    /** Takes the next operator, a convolution of this kind with SAME padding, equal strides, no dilation. */
    private TfliteFile.Operator conv(String kind, String activation) {
        TfliteFile.Operator op = expect(kind);
        TfliteFile.Options o = op.options();
        if (!o.padding().equals("SAME") || o.strideH() != o.strideW() || o.strideH() < 1 || o.strideH() > 2
                || o.dilationH() != 1 || o.dilationW() != 1 || !o.activation().equals(activation)
                || (kind.equals("DEPTHWISE_CONV_2D") && o.depthMultiplier() != 1)) {
            throw refuse(describe(op) + " has padding " + o.padding() + ", strides " + o.strideH() + "x" + o.strideW()
                    + ", dilation " + o.dilationH() + "x" + o.dilationW() + ", activation " + o.activation()
                    + (kind.equals("DEPTHWISE_CONV_2D") ? ", depth multiplier " + o.depthMultiplier() : "")
                    + "; expected SAME, equal strides of 1 or 2, no dilation, " + activation
                    + (kind.equals("DEPTHWISE_CONV_2D") ? ", multiplier 1" : ""));
        }
        x = op.outputs()[0];
        return op;
    }

    private void requirePointwise(TfliteFile.Operator op, Layer l) {
        if (l.kernelShape()[2] != 1 || l.kernelShape()[3] != 1 || op.options().strideH() != 1) {
            throw refuse(describe(op) + " has a " + l.kernelShape()[2] + "x" + l.kernelShape()[3] + " kernel at stride "
                    + op.options().strideH() + " where a MobileNetV2 has a 1x1 convolution");
        }
    }

    /** A CONV_2D's OHWI kernel as OIHW, with its bias. */
    private Layer convLayer(TfliteFile.Operator op) {
        TfliteFile.Tensor w = weight(op, 4);
        int[] s = w.shape(); // O, kh, kw, I
        float[] src = w.values();
        float[] dst = new float[src.length];
        for (int o = 0; o < s[0]; o++) {
            for (int h = 0; h < s[1]; h++) {
                for (int k = 0; k < s[2]; k++) {
                    for (int i = 0; i < s[3]; i++) {
                        dst[((o * s[3] + i) * s[1] + h) * s[2] + k] = src[((o * s[1] + h) * s[2] + k) * s[3] + i];
                    }
                }
            }
        }
        Layer l = new Layer(describe(op), dst, new long[] {s[0], s[3], s[1], s[2]}, bias(op, s[0]));
        layers.add(l);
        return l;
    }

    /** A DEPTHWISE_CONV_2D's {@code [1, kh, kw, C]} kernel as {@code [C, 1, kh, kw]}, with its bias. */
    private Layer depthwiseLayer(TfliteFile.Operator op) {
        TfliteFile.Tensor w = weight(op, 4);
        int[] s = w.shape();
        int channels = file.tensor(op.inputs()[0]).shape()[3];
        if (s[0] != 1 || s[3] != channels) {
            throw refuse(describe(op) + " has kernel " + Arrays.toString(s) + " for " + channels + " channels");
        }
        float[] src = w.values();
        float[] dst = new float[src.length];
        for (int h = 0; h < s[1]; h++) {
            for (int k = 0; k < s[2]; k++) {
                for (int c = 0; c < s[3]; c++) {
                    dst[(c * s[1] + h) * s[2] + k] = src[(h * s[2] + k) * s[3] + c];
                }
            }
        }
        Layer l = new Layer(describe(op), dst, new long[] {s[3], 1, s[1], s[2]}, bias(op, s[3]));
        layers.add(l);
        return l;
    }

    private TfliteFile.Tensor weight(TfliteFile.Operator op, int rank) {
        if (op.inputs().length < 2 || op.inputs()[1] < 0) {
            throw refuse(describe(op) + " has no weights");
        }
        TfliteFile.Tensor w = file.tensor(op.inputs()[1]);
        if (w.shape().length != rank || w.data() == null) {
            throw refuse(describe(op) + " has weights " + w.shortName() + " of shape " + Arrays.toString(w.shape())
                    + (w.data() == null ? " computed at run time" : "") + "; expected constant weights of rank "
                    + rank);
        }
        return w;
    }

    private float[] bias(TfliteFile.Operator op, int outputs) {
        if (op.inputs().length < 3 || op.inputs()[2] < 0) {
            return new float[outputs]; // no bias: zeros
        }
        TfliteFile.Tensor b = file.tensor(op.inputs()[2]);
        if (b.size() != outputs) {
            throw refuse(describe(op) + " has " + b.size() + " biases for " + outputs + " outputs");
        }
        return b.values();
    }

    private boolean peek(String op) {
        return peekAt(0, op);
    }

    private boolean peekAt(int ahead, String op) {
        return next + ahead < ops.size() && ops.get(next + ahead).op().equals(op);
    }

    private TfliteFile.Operator take(String op) {
        TfliteFile.Operator o = ops.get(next++);
        if (o.inputs().length == 0 || o.inputs()[0] != x) {
            throw refuse(describe(o) + " reads tensor " + (o.inputs().length == 0 ? "(none)"
                    : file.tensor(o.inputs()[0]).shortName()) + ", not the previous layer's output "
                    + file.tensor(x).shortName());
        }
        if (o.outputs().length != 1) {
            throw refuse(describe(o) + " has " + o.outputs().length + " outputs");
        }
        return o;
    }

    private TfliteFile.Operator expect(String op) {
        if (!peek(op)) {
            throw expected(op);
        }
        return take(op);
    }

    private ImportException expected(String what) {
        return refuse(next < ops.size() ? "operator " + describe(ops.get(next)) + " is not the " + what
                + " a MobileNetV2 classifier has there" : "the graph ends where a MobileNetV2 classifier has " + what);
    }

    private String describe(TfliteFile.Operator op) {
        return op.index() + " " + op.op() + " (" + (op.outputs().length > 0 ? file.tensor(op.outputs()[0]).shortName()
                : "no output") + ")";
    }

    private static ImportException refuse(String why) {
        return new ImportException("not a MobileNetV2 classifier this importer recognises: " + why);
    }
}
