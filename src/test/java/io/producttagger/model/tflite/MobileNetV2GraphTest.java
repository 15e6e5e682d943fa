package io.producttagger.model.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.model.MobileNetV2;
import io.producttagger.model.imports.ImportException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reading a MobileNetV2 classifier out of a TensorFlow Lite flatbuffer, on a small one written here in the shape of
 * the real one: an 8x8 uint8 input, a strided stem, a residual block without expansion (int8 depthwise weights with
 * a scale per channel), a strided block with expansion, a last convolution, global pooling and a 5-way classifier.
 */
class MobileNetV2GraphTest {

    private static final int ADD = 0;
    private static final int AVERAGE_POOL = 1;
    private static final int CONV = 3;
    private static final int DEPTHWISE = 4;
    private static final int RESHAPE = 22;
    private static final int SOFTMAX = 25;
    private static final int RELU6 = 3;
    private static final int NONE = 0;

    private static final float W_SCALE = 0.02f;
    private static final float[] DW_SCALES = {0.1f, 0.2f, 0.3f, 0.4f};

    /** Writes the network, its first block with or without the residual add. */
    private static byte[] network(boolean residual) {
        TfliteFixture f = new TfliteFixture();
        int in = f.activation("input", TfliteFixture.UINT8, new int[] {1, 8, 8, 3}, 1 / 128f, 128);
        int stem = f.activation("net/Conv/Relu6", TfliteFixture.UINT8, new int[] {1, 4, 4, 4}, 0.05f, 0);
        f.op(CONV, new int[] {in, f.uint8Weights("net/Conv/weights", new int[] {4, 3, 3, 3}, W_SCALE, 120, 1),
                f.int32Bias("net/Conv/bias", 4, 1e-3f)}, stem, 1, TfliteFixture.conv(0, 2, RELU6));
        // block 0: depthwise 3x3 (int8, a scale per channel along dimension 3), projection to 4, residual add
        byte[] dwData = new byte[36];
        for (int i = 0; i < dwData.length; i++) {
            dwData[i] = (byte) (i * 11 - 100);
        }
        int dwWeights = f.constant("net/expanded_conv/depthwise/weights", TfliteFixture.INT8, new int[] {1, 3, 3, 4},
                DW_SCALES, new long[] {0, 0, 0, 0}, 3, dwData);
        int dw = f.activation("net/expanded_conv/depthwise/Relu6", TfliteFixture.UINT8, new int[] {1, 4, 4, 4}, 0.05f,
                0);
        f.op(DEPTHWISE, new int[] {stem, dwWeights, f.int32Bias("dw/bias", 4, 1e-3f)}, dw, 2,
                TfliteFixture.depthwise(0, 1, RELU6));
        int project = f.activation("net/expanded_conv/project/add_fold", TfliteFixture.UINT8, new int[] {1, 4, 4, 4},
                0.05f, 128);
        f.op(CONV, new int[] {dw, f.uint8Weights("p/weights", new int[] {4, 1, 1, 4}, W_SCALE, 128, 2),
                f.int32Bias("p/bias", 4, 1e-3f)}, project, 1, TfliteFixture.conv(0, 1, NONE));
        int x = project;
        if (residual) {
            x = f.activation("net/expanded_conv/add", TfliteFixture.UINT8, new int[] {1, 4, 4, 4}, 0.05f, 128);
            f.op(ADD, new int[] {project, stem}, x, 11, b -> { });
        }
        // block 1: expansion to 8, depthwise 3x3 at stride 2, projection to 6
        int expand = f.activation("net/expanded_conv_1/expand/Relu6", TfliteFixture.UINT8, new int[] {1, 4, 4, 8},
                0.05f, 0);
        f.op(CONV, new int[] {x, f.uint8Weights("e/weights", new int[] {8, 1, 1, 4}, W_SCALE, 128, 3),
                f.int32Bias("e/bias", 8, 1e-3f)}, expand, 1, TfliteFixture.conv(0, 1, RELU6));
        int dw1 = f.activation("net/expanded_conv_1/depthwise/Relu6", TfliteFixture.UINT8, new int[] {1, 2, 2, 8},
                0.05f, 0);
        f.op(DEPTHWISE, new int[] {expand, f.uint8Weights("dw1/weights", new int[] {1, 3, 3, 8}, W_SCALE, 128, 4),
                f.int32Bias("dw1/bias", 8, 1e-3f)}, dw1, 2, TfliteFixture.depthwise(0, 2, RELU6));
        int project1 = f.activation("net/expanded_conv_1/project/add_fold", TfliteFixture.UINT8,
                new int[] {1, 2, 2, 6}, 0.05f, 128);
        f.op(CONV, new int[] {dw1, f.uint8Weights("p1/weights", new int[] {6, 1, 1, 8}, W_SCALE, 128, 5),
                f.int32Bias("p1/bias", 6, 1e-3f)}, project1, 1, TfliteFixture.conv(0, 1, NONE));
        int last = f.activation("net/Conv_1/Relu6", TfliteFixture.UINT8, new int[] {1, 2, 2, 10}, 0.05f, 0);
        f.op(CONV, new int[] {project1, f.uint8Weights("l/weights", new int[] {10, 1, 1, 6}, W_SCALE, 128, 6),
                f.int32Bias("l/bias", 10, 1e-3f)}, last, 1, TfliteFixture.conv(0, 1, RELU6));
        int pooled = f.activation("net/Logits/AvgPool", TfliteFixture.UINT8, new int[] {1, 1, 1, 10}, 0.05f, 0);
        f.op(AVERAGE_POOL, new int[] {last}, pooled, 5, TfliteFixture.globalPool(2));
        int logits = f.activation("net/Logits/Conv2d_1c_1x1/BiasAdd", TfliteFixture.UINT8, new int[] {1, 1, 1, 5},
                0.1f, 100);
        f.op(CONV, new int[] {pooled, f.uint8Weights("c/weights", new int[] {5, 1, 1, 10}, W_SCALE, 128, 7),
                f.int32Bias("c/bias", 5, 1e-3f)}, logits, 1, TfliteFixture.conv(0, 1, NONE));
        int squeezed = f.activation("net/Logits/Squeeze", TfliteFixture.UINT8, new int[] {1, 5}, 0.1f, 100);
        f.op(RESHAPE, new int[] {logits, f.int32Constant("shape", 1, 5)}, squeezed);
        int out = f.activation("net/Predictions/Softmax", TfliteFixture.UINT8, new int[] {1, 5}, 1 / 256f, 0);
        f.op(SOFTMAX, new int[] {squeezed}, out, 9, TfliteFixture.softmax());
        return f.io(in, out).bytes();
    }

    private static TfliteFile file(byte[] bytes) {
        return TfliteFile.read(ByteBuffer.wrap(bytes), "fixture.tflite");
    }

    @Test
    void readsTensorsAndOperatorsOfTheFlatbuffer() {
        TfliteFile file = file(network(true));
        assertEquals(1, file.subgraphs());
        assertEquals(List.of("CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "ADD", "CONV_2D", "DEPTHWISE_CONV_2D",
                "CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "CONV_2D", "RESHAPE", "SOFTMAX"),
                file.operators().stream().map(TfliteFile.Operator::op).toList());
        TfliteFile.Tensor input = file.tensor(file.inputs()[0]);
        assertEquals("UINT8", input.type());
        assertArrayEquals(new int[] {1, 8, 8, 3}, input.shape());
        assertNull(input.data(), "an activation has no constant data");
        TfliteFile.Options stride2 = file.operators().get(5).options();
        assertEquals("SAME", stride2.padding());
        assertEquals(2, stride2.strideH());
        assertEquals("RELU6", stride2.activation());
        assertEquals(1, stride2.depthMultiplier());
    }

    @Test
    void dequantisesPerTensorPerChannelAndInt32Biases() {
        TfliteFile file = file(network(true));
        TfliteFile.Operator stem = file.operators().get(0);
        float[] w = file.tensor(stem.inputs()[1]).values(); // uint8, scale 0.02, zero point 120, q(i) = (7 i + 1) % 256
        for (int i : new int[] {0, 17, 80}) {
            assertEquals((float) (((i * 7 + 1) % 256 - 120) * (double) W_SCALE), w[i], "stem weight " + i);
        }
        float[] bias = file.tensor(stem.inputs()[2]).values(); // int32 q(i) = 100 i - 50, scale 1e-3
        assertEquals((float) (150 * (double) 1e-3f), bias[2]);
        float[] dw = file.tensor(file.operators().get(1).inputs()[1]).values(); // int8 [1, 3, 3, 4], channel = i % 4
        for (int i = 0; i < dw.length; i++) {
            assertEquals((float) ((byte) (i * 11 - 100) * (double) DW_SCALES[i % 4]), dw[i], "depthwise weight " + i);
        }
    }

    @Test
    void readsTheNetworkAsAMobileNetV2InDjlLayouts() {
        MobileNetV2Graph.Network n = MobileNetV2Graph.read(file(network(true)));
        assertEquals(new MobileNetV2(new MobileNetV2.Stem(4, 3, 2), List.of(new MobileNetV2.InvertedResidual(0, 3, 1,
                4), new MobileNetV2.InvertedResidual(8, 3, 2, 6)), 10, false, 0), n.architecture());
        assertEquals(8, n.inputSize());
        assertEquals(1 / 128.0, n.inputScale(), 1e-12);
        assertEquals(128, n.inputZeroPoint());
        assertEquals(5, n.classes());
        assertEquals(7, n.layers().size(), "stem, depthwise and projection, expansion, depthwise and projection, last");
        assertEquals("net/Conv_1/Relu6", n.lastNode());
        // stem OHWI [4, 3, 3, 3] to OIHW: dst[o][i][h][w] = src[o][h][w][i]
        MobileNetV2Graph.Layer stem = n.layers().get(0);
        assertArrayEquals(new long[] {4, 3, 3, 3}, stem.kernelShape());
        int o = 2;
        int i = 1;
        int h = 0;
        int w = 2;
        int q = ((((o * 3 + h) * 3 + w) * 3 + i) * 7 + 1) % 256;
        assertEquals((float) ((q - 120) * (double) W_SCALE), stem.kernel()[((o * 3 + i) * 3 + h) * 3 + w]);
        // depthwise [1, 3, 3, 4] to [4, 1, 3, 3]: dst[c][0][h][w] = src[0][h][w][c]
        MobileNetV2Graph.Layer dw = n.layers().get(1);
        assertArrayEquals(new long[] {4, 1, 3, 3}, dw.kernelShape());
        int c = 3;
        int src = (1 * 3 + 2) * 4 + c;
        assertEquals((float) ((byte) (src * 11 - 100) * (double) DW_SCALES[c]), dw.kernel()[(c * 3 + 1) * 3 + 2]);
        assertArrayEquals(new long[] {5, 10}, n.classifier().kernelShape());
    }

    @Test
    void refusesAFileWithoutTheTfliteIdentifier() {
        byte[] bytes = network(true);
        bytes[5] = 'X';
        ImportException e = assertThrows(ImportException.class, () -> file(bytes));
        assertTrue(e.getMessage().contains("not a TensorFlow Lite file"), e.getMessage());
    }

    @Test
    void refusesABlockThatKeepsItsShapeWithoutTheResidualAdd() {
        ImportException e = assertThrows(ImportException.class,
                () -> MobileNetV2Graph.read(file(network(false))));
        assertTrue(e.getMessage().contains("adds the block's input") && e.getMessage().contains("2 CONV_2D"),
                e.getMessage());
    }

    @Test
    void refusesAnOperatorWithAnotherActivationNamingIt() {
        TfliteFixture f = new TfliteFixture();
        int in = f.activation("input", TfliteFixture.UINT8, new int[] {1, 8, 8, 3}, 1 / 128f, 128);
        int stem = f.activation("net/Conv/Relu", TfliteFixture.UINT8, new int[] {1, 4, 4, 4}, 0.05f, 0);
        f.op(CONV, new int[] {in, f.uint8Weights("w", new int[] {4, 3, 3, 3}, W_SCALE, 120, 1),
                f.int32Bias("b", 4, 1e-3f)}, stem, 1, TfliteFixture.conv(0, 2, 1));
        ImportException e = assertThrows(ImportException.class,
                () -> MobileNetV2Graph.read(file(f.io(in, stem).bytes())));
        assertTrue(e.getMessage().contains("0 CONV_2D (net/Conv/Relu)") && e.getMessage().contains("activation RELU"),
                e.getMessage());
    }
}
