package io.producttagger.model.tflite;

import com.google.flatbuffers.Table;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A table of a flatbuffer read by field index, the way generated accessors read it: field {@code i} sits at vtable
 * slot {@code 4 + 2 i}, and an absent field takes the schema's default. Enough for the few TensorFlow Lite tables
 * the importer reads, without generated schema code.
 */
final class FlatTable extends Table {

    private FlatTable(int position, ByteBuffer buffer) {
        __reset(position, buffer);
    }

    /** Returns the root table of a whole flatbuffer (read little-endian, as flatbuffers are written). */
    static FlatTable root(ByteBuffer buffer) {
        ByteBuffer bb = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        return new FlatTable(bb.getInt(bb.position()) + bb.position(), bb);
    }

    private int field(int index) {
        return __offset(4 + 2 * index);
    }

    /** Returns whether the field is present. */
    boolean has(int index) {
        return field(index) != 0;
    }

    /** Returns a byte-sized field (an enum, a bool), or {@code otherwise} when absent. */
    int byteField(int index, int otherwise) {
        int o = field(index);
        return o != 0 ? bb.get(o + bb_pos) : otherwise;
    }

    /** Returns an int field, or {@code otherwise} when absent. */
    int intField(int index, int otherwise) {
        int o = field(index);
        return o != 0 ? bb.getInt(o + bb_pos) : otherwise;
    }

    /** Returns an unsigned int field as a long, or 0 when absent. */
    long uintField(int index) {
        return intField(index, 0) & 0xffffffffL;
    }

    /** Returns a float field, or {@code otherwise} when absent. */
    float floatField(int index, float otherwise) {
        int o = field(index);
        return o != 0 ? bb.getFloat(o + bb_pos) : otherwise;
    }

    /** Returns a string field, or null when absent. */
    String string(int index) {
        int o = field(index);
        return o != 0 ? __string(o + bb_pos) : null;
    }

    /** Returns a table field (a union's value among them), or null when absent. */
    FlatTable table(int index) {
        int o = field(index);
        return o != 0 ? new FlatTable(__indirect(o + bb_pos), bb) : null;
    }

    /** Returns a vector of tables, empty when absent. */
    List<FlatTable> tables(int index) {
        int o = field(index);
        List<FlatTable> out = new ArrayList<>();
        if (o != 0) {
            int start = __vector(o);
            for (int i = 0, n = __vector_len(o); i < n; i++) {
                out.add(new FlatTable(__indirect(start + 4 * i), bb));
            }
        }
        return out;
    }

    /** Returns a vector of ints, null when absent. */
    int[] ints(int index) {
        ByteBuffer v = vector(index, Integer.BYTES);
        return v == null ? null : read(v.asIntBuffer(), new int[v.remaining() / Integer.BYTES]);
    }

    /** Returns a vector of longs, null when absent. */
    long[] longs(int index) {
        ByteBuffer v = vector(index, Long.BYTES);
        return v == null ? null : read(v.asLongBuffer(), new long[v.remaining() / Long.BYTES]);
    }

    /** Returns a vector of floats, null when absent. */
    float[] floats(int index) {
        ByteBuffer v = vector(index, Float.BYTES);
        return v == null ? null : read(v.asFloatBuffer(), new float[v.remaining() / Float.BYTES]);
    }

    /** Returns a vector of bytes as a little-endian view of the buffer, null when absent. */
    ByteBuffer bytes(int index) {
        return vector(index, 1);
    }

    private static int[] read(java.nio.IntBuffer from, int[] to) {
        from.get(to);
        return to;
    }

    private static long[] read(java.nio.LongBuffer from, long[] to) {
        from.get(to);
        return to;
    }

    private static float[] read(java.nio.FloatBuffer from, float[] to) {
        from.get(to);
        return to;
    }

    /** The elements of a vector of {@code width}-byte scalars as a little-endian view, null when absent. */
    private ByteBuffer vector(int index, int width) {
        int o = field(index);
        if (o == 0) {
            return null;
        }
        ByteBuffer view = bb.duplicate();
        int start = __vector(o);
        view.position(start).limit(start + width * __vector_len(o));
        return view.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
