package io.producttagger.model.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small TensorFlow Lite flatbuffers for the tests, with {@link FlatBufferBuilder} and the schema's field
 * indices: tensors (with quantisation and constant data) and operators (with builtin options), in the order they
 * are added.
 */
final class TfliteFixture {

    static final int FLOAT32 = 0;
    static final int INT32 = 2;
    static final int UINT8 = 3;
    static final int INT8 = 9;

    /** One tensor to write. */
    private record TensorSpec(String name, int type, int[] shape, float[] scale, long[] zeroPoint, int dimension,
            byte[] data) {}

    /** One operator to write: its builtin code, tensors, and options as (union type, field writer). */
    private record OpSpec(int code, int[] inputs, int[] outputs, int optionsType, OptionsWriter options) {}

    /** Writes an options table's fields between {@code startTable} and {@code endTable}. */
    interface OptionsWriter {
        void write(FlatBufferBuilder b);
    }

    private final List<TensorSpec> tensors = new ArrayList<>();
    private final List<OpSpec> ops = new ArrayList<>();
    private int input = -1;
    private int output = -1;

    /** Adds a tensor computed at run time, quantised per tensor; returns its index. */
    int activation(String name, int type, int[] shape, float scale, long zeroPoint) {
        tensors.add(new TensorSpec(name, type, shape, new float[] {scale}, new long[] {zeroPoint}, 0, null));
        return tensors.size() - 1;
    }

    /** Adds a constant tensor; returns its index. */
    int constant(String name, int type, int[] shape, float[] scale, long[] zeroPoint, int dimension, byte[] data) {
        tensors.add(new TensorSpec(name, type, shape, scale, zeroPoint, dimension, data));
        return tensors.size() - 1;
    }

    /** Adds a constant uint8 tensor quantised per tensor, filled with {@code q(i) = (i * 7 + seed) % 256}. */
    int uint8Weights(String name, int[] shape, float scale, long zeroPoint, int seed) {
        byte[] data = new byte[size(shape)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ((i * 7 + seed) % 256);
        }
        return constant(name, UINT8, shape, new float[] {scale}, new long[] {zeroPoint}, 0, data);
    }

    /** Adds a constant int32 bias quantised with {@code scale}, values {@code q(i) = i * 100 - 50}. */
    int int32Bias(String name, int n, float scale) {
        ByteBuffer data = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            data.putInt(i * 100 - 50);
        }
        return constant(name, INT32, new int[] {n}, new float[] {scale}, new long[] {0}, 0, data.array());
    }

    /** Adds an int32 constant without quantisation (axes, shapes). */
    int int32Constant(String name, int... values) {
        ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            data.putInt(v);
        }
        tensors.add(new TensorSpec(name, INT32, new int[] {values.length}, null, null, 0, data.array()));
        return tensors.size() - 1;
    }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Marks the graph's input and output tensors. */
    TfliteFixture io(int in, int out) {
        input = in;
        output = out;
        return this;
    }

    /** Adds an operator with builtin {@code code} and no options. */
    TfliteFixture op(int code, int[] in, int out) {
        ops.add(new OpSpec(code, in, new int[] {out}, 0, null));
        return this;
    }

    /** Adds an operator with builtin options of union type {@code optionsType}. */
    TfliteFixture op(int code, int[] in, int out, int optionsType, OptionsWriter options) {
        ops.add(new OpSpec(code, in, new int[] {out}, optionsType, options));
        return this;
    }

    /** Conv2DOptions: padding (0 SAME), stride, activation (3 RELU6, 0 NONE, 1 RELU). */
    static OptionsWriter conv(int padding, int stride, int activation) {
        return b -> {
            b.addByte(0, (byte) padding, 0);
            b.addInt(1, stride, 0);
            b.addInt(2, stride, 0);
            b.addByte(3, (byte) activation, 0);
        };
    }

    /** DepthwiseConv2DOptions: padding, stride, multiplier 1, activation. */
    static OptionsWriter depthwise(int padding, int stride, int activation) {
        return b -> {
            b.addByte(0, (byte) padding, 0);
            b.addInt(1, stride, 0);
            b.addInt(2, stride, 0);
            b.addInt(3, 1, 0);
            b.addByte(4, (byte) activation, 0);
        };
    }

    /** Pool2DOptions: VALID, stride 1, a {@code side} x {@code side} window. */
    static OptionsWriter globalPool(int side) {
        return b -> {
            b.addByte(0, (byte) 1, 0);
            b.addInt(1, 1, 0);
            b.addInt(2, 1, 0);
            b.addInt(3, side, 0);
            b.addInt(4, side, 0);
        };
    }

    /** SoftmaxOptions: beta 1. */
    static OptionsWriter softmax() {
        return b -> b.addFloat(0, 1f, 0);
    }

    /** Writes the flatbuffer: one subgraph, its tensors and operators, buffer 0 empty as the converter writes it. */
    byte[] bytes() {
        FlatBufferBuilder b = new FlatBufferBuilder(4096);
        List<Integer> codes = new ArrayList<>();
        ops.forEach(o -> {
            if (!codes.contains(o.code())) {
                codes.add(o.code());
            }
        });
        int[] codeTables = new int[codes.size()];
        for (int i = 0; i < codes.size(); i++) {
            b.startTable(4);
            b.addByte(0, (byte) Math.min(codes.get(i), 127), 0);
            b.addInt(3, codes.get(i), 0);
            codeTables[i] = b.endTable();
        }
        List<Integer> buffers = new ArrayList<>();
        b.startTable(1);
        buffers.add(b.endTable());
        int[] tensorTables = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            int buffer = 0;
            if (t.data() != null) {
                int data = b.createByteVector(t.data());
                b.startTable(1);
                b.addOffset(0, data, 0);
                buffers.add(b.endTable());
                buffer = buffers.size() - 1;
            }
            int quant = 0;
            if (t.scale() != null) {
                int scale = floats(b, t.scale());
                int zero = longs(b, t.zeroPoint());
                b.startTable(7);
                b.addOffset(2, scale, 0);
                b.addOffset(3, zero, 0);
                b.addInt(6, t.dimension(), 0);
                quant = b.endTable();
            }
            int shape = ints(b, t.shape());
            int name = b.createString(t.name());
            b.startTable(5);
            b.addOffset(0, shape, 0);
            b.addByte(1, (byte) t.type(), 0);
            b.addInt(2, buffer, 0);
            b.addOffset(3, name, 0);
            if (quant != 0) {
                b.addOffset(4, quant, 0);
            }
            tensorTables[i] = b.endTable();
        }
        int[] opTables = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            OpSpec o = ops.get(i);
            int options = 0;
            if (o.options() != null) {
                b.startTable(8);
                o.options().write(b);
                options = b.endTable();
            }
            int in = ints(b, o.inputs());
            int out = ints(b, o.outputs());
            b.startTable(5);
            b.addInt(0, codes.indexOf(o.code()), 0);
            b.addOffset(1, in, 0);
            b.addOffset(2, out, 0);
            if (options != 0) {
                b.addByte(3, (byte) o.optionsType(), 0);
                b.addOffset(4, options, 0);
            }
            opTables[i] = b.endTable();
        }
        int tensorsVector = b.createVectorOfTables(tensorTables);
        int opsVector = b.createVectorOfTables(opTables);
        int inputs = ints(b, new int[] {input});
        int outputs = ints(b, new int[] {output});
        b.startTable(5);
        b.addOffset(0, tensorsVector, 0);
        b.addOffset(1, inputs, 0);
        b.addOffset(2, outputs, 0);
        b.addOffset(3, opsVector, 0);
        int subgraph = b.endTable();
        int subgraphs = b.createVectorOfTables(new int[] {subgraph});
        int codesVector = b.createVectorOfTables(codeTables);
        int buffersVector = b.createVectorOfTables(buffers.stream().mapToInt(Integer::intValue).toArray());
        int description = b.createString("test fixture");
        b.startTable(5);
        b.addInt(0, 3, 0);
        b.addOffset(1, codesVector, 0);
        b.addOffset(2, subgraphs, 0);
        b.addOffset(3, description, 0);
        b.addOffset(4, buffersVector, 0);
        b.finish(b.endTable(), TfliteFile.IDENTIFIER);
        return b.sizedByteArray();
    }

    private static int ints(FlatBufferBuilder b, int[] values) {
        return vector(b, Integer.BYTES, values.length, i -> b.addInt(values[i]));
    }

    private static int floats(FlatBufferBuilder b, float[] values) {
        return vector(b, Float.BYTES, values.length, i -> b.addFloat(values[i]));
    }

    private static int longs(FlatBufferBuilder b, long[] values) {
        return vector(b, Long.BYTES, values.length, i -> b.addLong(values[i]));
    }

    /** A vector of {@code n} scalars of {@code width} bytes, added last to first as flatbuffers are built. */
    private static int vector(FlatBufferBuilder b, int width, int n, java.util.function.IntConsumer add) {
        b.startVector(width, n, width);
        for (int i = n - 1; i >= 0; i--) {
            add.accept(i);
        }
        return b.endVector();
    }
}
