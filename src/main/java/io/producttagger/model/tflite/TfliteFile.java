package io.producttagger.model.tflite;

import io.producttagger.model.imports.ImportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow Lite model read from its flatbuffer ({@code tensorflow/lite/schema/schema.fbs}, file identifier
 * {@code TFL3}): the first subgraph's tensors (with their constant data and quantisation) and operators (with the
 * builtin options of the operators a MobileNet uses), as plain records.
 *
 * <p>Field indices below are the schema's declaration order. {@link Tensor#values()} dequantises a constant:
 * {@code scale * (q - zero_point)} per tensor, or per channel along the quantised dimension.
 */
public final class TfliteFile {

    /** The file identifier every TensorFlow Lite flatbuffer carries at bytes 4 to 7. */
    public static final String IDENTIFIER = "TFL3";

    /** {@code TensorType} by its schema value. */
    static final List<String> TENSOR_TYPES = List.of("FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING",
            "BOOL", "INT16", "COMPLEX64", "INT8", "FLOAT64");

    /** The {@code BuiltinOperator} names this reader gives; any other code reads as {@code BUILTIN_<code>}. */
    static final Map<Integer, String> OPERATORS = Map.ofEntries(Map.entry(0, "ADD"), Map.entry(1, "AVERAGE_POOL_2D"),
            Map.entry(2, "CONCATENATION"), Map.entry(3, "CONV_2D"), Map.entry(4, "DEPTHWISE_CONV_2D"),
            Map.entry(6, "DEQUANTIZE"), Map.entry(9, "FULLY_CONNECTED"), Map.entry(14, "LOGISTIC"),
            Map.entry(17, "MAX_POOL_2D"), Map.entry(18, "MUL"), Map.entry(19, "RELU"), Map.entry(21, "RELU6"),
            Map.entry(22, "RESHAPE"), Map.entry(25, "SOFTMAX"), Map.entry(32, "CUSTOM"), Map.entry(34, "PAD"),
            Map.entry(40, "MEAN"), Map.entry(43, "SQUEEZE"), Map.entry(114, "QUANTIZE"),
            Map.entry(117, "HARD_SWISH"));

    private static final List<String> ACTIVATIONS = List.of("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH",
            "SIGN_BIT");

    /**
     * Quantisation parameters: {@code real = scale * (q - zeroPoint)}.
     *
     * @param scale one scale, or one per channel of {@code dimension}
     * @param zeroPoint as many zero points (or one, or none for 0)
     * @param dimension the quantised dimension when there is a scale per channel
     */
    public record Quantization(float[] scale, long[] zeroPoint, int dimension) {}

    /**
     * One tensor of the subgraph.
     *
     * @param index its index in the subgraph
     * @param name its name
     * @param type its {@code TensorType} name, e.g. {@code UINT8}
     * @param shape its shape
     * @param quantization its quantisation, or null
     * @param data its constant data (little-endian), or null for a tensor computed at run time
     */
    public record Tensor(int index, String name, String type, int[] shape, Quantization quantization,
            ByteBuffer data) {

        /** Returns the number of elements. */
        public int size() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        /** Returns the name up to its first {@code ;} (the converter joins the names of fused nodes). */
        public String shortName() {
            return name == null ? "#" + index : name.split(";", 2)[0];
        }

        /**
         * Returns an INT32 constant's values as they are stored (axes, shapes).
         *
         * @throws ImportException when the tensor is not an INT32 constant
         */
        public int[] ints() {
            if (data == null || !type.equals("INT32") || data.remaining() != 4L * size()) {
                throw new ImportException("tensor " + index + " (" + shortName() + ") is not an INT32 constant of "
                        + size() + " values");
            }
            int[] out = new int[size()];
            data.duplicate().order(data.order()).asIntBuffer().get(out);
            return out;
        }

        /**
         * Returns the constant's values as float32: float32 as stored, integers dequantised per tensor or per
         * channel (computed in double, rounded once to float).
         *
         * @throws ImportException when the tensor has no data, a type it cannot read, or no quantisation for integers
         */
        public float[] values() {
            if (data == null) {
                throw new ImportException("tensor " + index + " (" + shortName() + ") has no constant data");
            }
            int n = size();
            ByteBuffer b = data.duplicate().order(data.order());
            int width = switch (type) {
                case "FLOAT32", "INT32" -> 4;
                case "UINT8", "INT8" -> 1;
                case "INT16" -> 2;
                default -> throw new ImportException("tensor " + index + " (" + shortName() + ") is " + type
                        + ", which this importer does not read (FLOAT32, INT32, UINT8, INT8, INT16)");
            };
            if (b.remaining() != (long) n * width) {
                throw new ImportException("tensor " + index + " (" + shortName() + ") holds " + b.remaining()
                        + " bytes for " + n + " " + type + " values");
            }
            float[] out = new float[n];
            if (type.equals("FLOAT32")) {
                b.asFloatBuffer().get(out);
                return out;
            }
            if (quantization == null) {
                throw new ImportException("tensor " + index + " (" + shortName() + ") is " + type
                        + " without quantisation parameters: its real values are unknown");
            }
            float[] scale = quantization.scale();
            long[] zero = quantization.zeroPoint() == null ? new long[0] : quantization.zeroPoint();
            int dim = quantization.dimension();
            int channels = scale.length;
            if (channels > 1 && (dim < 0 || dim >= shape.length || shape[dim] != channels)) {
                throw new ImportException("tensor " + index + " (" + shortName() + ") has " + channels
                        + " scales but dimension " + dim + " of its shape " + Arrays.toString(shape));
            }
            int inner = 1;
            for (int d = dim + 1; channels > 1 && d < shape.length; d++) {
                inner *= shape[d];
            }
            for (int i = 0; i < n; i++) {
                long q = switch (type) {
                    case "UINT8" -> b.get() & 0xff;
                    case "INT8" -> b.get();
                    case "INT16" -> b.getShort();
                    default -> b.getInt();
                };
                int c = channels > 1 ? (i / inner) % channels : 0;
                long z = zero.length == 0 ? 0 : zero[zero.length == channels ? c : 0];
                out[i] = (float) ((q - z) * (double) scale[c]);
            }
            return out;
        }
    }

    /**
     * The builtin options of the operators this reader parses; fields an operator does not have keep defaults.
     *
     * @param padding {@code SAME} or {@code VALID} (convolutions, pooling), or ""
     * @param strideH vertical stride
     * @param strideW horizontal stride
     * @param activation the fused activation, {@code NONE} by default
     * @param depthMultiplier a depthwise convolution's channel multiplier
     * @param dilationH vertical dilation
     * @param dilationW horizontal dilation
     * @param filterH a pooling window's height
     * @param filterW a pooling window's width
     * @param keepDims whether a reduction keeps its axes
     * @param beta a softmax's inverse temperature
     */
    public record Options(String padding, int strideH, int strideW, String activation, int depthMultiplier,
            int dilationH, int dilationW, int filterH, int filterW, boolean keepDims, float beta) {
        static final Options NONE = new Options("", 1, 1, "NONE", 1, 1, 1, 0, 0, false, 1f);
    }

    /**
     * One operator of the subgraph, in execution order.
     *
     * @param index its position
     * @param op its builtin name, e.g. {@code CONV_2D}
     * @param inputs its input tensors' indices (-1 for an optional input left out)
     * @param outputs its output tensors' indices
     * @param options its builtin options
     */
    public record Operator(int index, String op, int[] inputs, int[] outputs, Options options) {}

    private final int version;
    private final String description;
    private final int subgraphs;
    private final List<Tensor> tensors;
    private final List<Operator> operators;
    private final int[] inputs;
    private final int[] outputs;

    private TfliteFile(int version, String description, int subgraphs, List<Tensor> tensors,
            List<Operator> operators, int[] inputs, int[] outputs) {
        this.version = version;
        this.description = description;
        this.subgraphs = subgraphs;
        this.tensors = List.copyOf(tensors);
        this.operators = List.copyOf(operators);
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /** Returns whether bytes start like a TensorFlow Lite flatbuffer: {@link #IDENTIFIER} at bytes 4 to 7. */
    public static boolean hasIdentifier(byte[] head) {
        return head.length >= 8
                && new String(head, 4, 4, StandardCharsets.ISO_8859_1).equals(IDENTIFIER);
    }

    /**
     * Reads a file.
     *
     * @throws ImportException when it is not a TensorFlow Lite flatbuffer or cannot be read as one
     */
    public static TfliteFile read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ImportException("cannot read " + file + ": " + e.getMessage());
        }
        return read(ByteBuffer.wrap(bytes), file.toString());
    }

    /**
     * Reads a flatbuffer held in memory.
     *
     * @param where how to name it in messages
     * @throws ImportException when it is not a TensorFlow Lite flatbuffer or cannot be read as one
     */
    public static TfliteFile read(ByteBuffer buffer, String where) {
        byte[] head = new byte[Math.min(8, buffer.remaining())];
        buffer.duplicate().get(head);
        if (!hasIdentifier(head)) {
            throw new ImportException(where + " is not a TensorFlow Lite file: bytes 4 to 7 are not \"" + IDENTIFIER
                    + "\"");
        }
        try {
            return parse(FlatTable.root(buffer));
        } catch (IndexOutOfBoundsException | IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new ImportException(where + " is not a readable TensorFlow Lite flatbuffer: " + e);
        }
    }

    private static TfliteFile parse(FlatTable model) {
        // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4
        List<String> codes = new ArrayList<>();
        for (FlatTable code : model.tables(1)) {
            // OperatorCode: deprecated_builtin_code 0 (byte), custom_code 1, version 2, builtin_code 3 (int)
            int builtin = Math.max(code.byteField(0, 0), code.intField(3, 0));
            codes.add(builtin == 32 ? "CUSTOM:" + code.string(1)
                    : OPERATORS.getOrDefault(builtin, "BUILTIN_" + builtin));
        }
        List<ByteBuffer> buffers = new ArrayList<>();
        for (FlatTable buffer : model.tables(4)) {
            // Buffer: data 0; files over 2 GB keep data outside the flatbuffer (offset 1, size 2), not read here
            if (!buffer.has(0) && buffer.has(1) && buffer.uintField(1) != 0) {
                throw new IllegalArgumentException("a buffer lies outside the flatbuffer (files over 2 GB)");
            }
            buffers.add(buffer.bytes(0));
        }
        List<FlatTable> subgraphs = model.tables(2);
        if (subgraphs.isEmpty()) {
            throw new IllegalArgumentException("no subgraph");
        }
        FlatTable graph = subgraphs.get(0); // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4
        List<Tensor> tensors = new ArrayList<>();
        for (FlatTable t : graph.tables(0)) {
            tensors.add(tensor(tensors.size(), t, buffers));
        }
        List<Operator> operators = new ArrayList<>();
        for (FlatTable o : graph.tables(3)) {
            // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4
            int opcode = (int) o.uintField(0);
            if (opcode >= codes.size()) {
                throw new IllegalArgumentException("operator " + operators.size() + " names operator code " + opcode
                        + " of " + codes.size());
            }
            int[] in = o.ints(1);
            int[] out = o.ints(2);
            operators.add(new Operator(operators.size(), codes.get(opcode), in == null ? new int[0] : in,
                    out == null ? new int[0] : out, options(o.byteField(3, 0) & 0xff, o.table(4))));
        }
        int[] inputs = graph.ints(1);
        int[] outputs = graph.ints(2);
        return new TfliteFile((int) model.uintField(0), model.string(3), subgraphs.size(), tensors, operators,
                inputs == null ? new int[0] : inputs, outputs == null ? new int[0] : outputs);
    }

    private static Tensor tensor(int index, FlatTable t, List<ByteBuffer> buffers) {
        // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4
        int type = t.byteField(1, 0);
        String typeName = type >= 0 && type < TENSOR_TYPES.size() ? TENSOR_TYPES.get(type) : "TYPE_" + type;
        long buffer = t.uintField(2);
        ByteBuffer data = buffer < buffers.size() ? buffers.get((int) buffer) : null;
        if (buffer >= buffers.size() && buffer != 0) {
            throw new IllegalArgumentException("tensor " + index + " names buffer " + buffer + " of " + buffers.size());
        }
        return new Tensor(index, t.string(3), typeName, t.ints(0) == null ? new int[0] : t.ints(0),
                quantization(t.table(4)), data == null || !data.hasRemaining() ? null : data);
    }

    private static Quantization quantization(FlatTable q) {
        // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, details_type 4, details 5,
        // quantized_dimension 6
        if (q == null || q.floats(2) == null || q.floats(2).length == 0) {
            return null;
        }
        return new Quantization(q.floats(2), q.longs(3), q.intField(6, 0));
    }

    /** Reads the builtin options of the union types a MobileNet's operators carry. */
    private static Options options(int type, FlatTable o) {
        if (o == null) {
            return Options.NONE;
        }
        return switch (type) {
            // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w 4, dilation_h 5
            case 1 -> new Options(padding(o.byteField(0, 0)), o.intField(2, 0), o.intField(1, 0),
                    activation(o.byteField(3, 0)), 1, o.intField(5, 1), o.intField(4, 1), 0, 0, false, 1f);
            // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3,
            // fused_activation_function 4, dilation_w 5, dilation_h 6
            case 2 -> new Options(padding(o.byteField(0, 0)), o.intField(2, 0), o.intField(1, 0),
                    activation(o.byteField(4, 0)), o.intField(3, 0), o.intField(6, 1), o.intField(5, 1), 0, 0, false,
                    1f);
            // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4,
            // fused_activation_function 5
            case 5 -> new Options(padding(o.byteField(0, 0)), o.intField(2, 0), o.intField(1, 0),
                    activation(o.byteField(5, 0)), 1, 1, 1, o.intField(4, 0), o.intField(3, 0), false, 1f);
            // FullyConnectedOptions and AddOptions: fused_activation_function 0
            case 8, 11 -> new Options("", 1, 1, activation(o.byteField(0, 0)), 1, 1, 1, 0, 0, false, 1f);
            // SoftmaxOptions: beta 0
            case 9 -> new Options("", 1, 1, "NONE", 1, 1, 1, 0, 0, false, o.floatField(0, 0f));
            // ReducerOptions: keep_dims 0
            case 27 -> new Options("", 1, 1, "NONE", 1, 1, 1, 0, 0, o.byteField(0, 0) != 0, 1f);
            default -> Options.NONE;
        };
    }

    private static String padding(int code) {
        return switch (code) {
            case 0 -> "SAME";
            case 1 -> "VALID";
            default -> "PADDING_" + code;
        };
    }

    private static String activation(int code) {
        return code >= 0 && code < ACTIVATIONS.size() ? ACTIVATIONS.get(code) : "ACTIVATION_" + code;
    }

    /** Returns the schema version the file declares. */
    public int version() {
        return version;
    }

    /** Returns the file's description (e.g. {@code MLIR Converted.}), or null. */
    public String description() {
        return description;
    }

    /** Returns how many subgraphs the file holds (only the first is read). */
    public int subgraphs() {
        return subgraphs;
    }

    /** Returns the first subgraph's tensors. */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** Returns a tensor by index. */
    public Tensor tensor(int index) {
        return tensors.get(index);
    }

    /** Returns the first subgraph's operators in execution order. */
    public List<Operator> operators() {
        return operators;
    }

    /** Returns the subgraph's input tensor indices. */
    public int[] inputs() {
        return inputs.clone();
    }

    /** Returns the subgraph's output tensor indices. */
    public int[] outputs() {
        return outputs.clone();
    }
}
