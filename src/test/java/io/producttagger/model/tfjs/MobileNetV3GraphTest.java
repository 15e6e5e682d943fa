package io.producttagger.model.tfjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.producttagger.model.MobileNetV3;
import io.producttagger.model.ModelStore;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a MobileNetV3 out of a TF.js graph, on a small graph written here in the TF-slim shape of the real one:
 * a hard-swish stem, a residual block without expansion, and a strided block with expansion and squeeze-and-excite.
 */
class MobileNetV3GraphTest {

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Builds the graph JSON and its weight shard; {@code edit} may change nodes before it is written. */
    private Path writeGraph(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = JSON.createObjectNode().put("format", "graph-model");
        root.putObject("signature").putObject("inputs").putObject("img").put("name", "img");
        ArrayNode nodes = root.putObject("modelTopology").putArray("node");
        ArrayNode weights = root.putArray("weightsManifest").addObject().put("paths", "").putArray("weights");
        ((ObjectNode) root.get("weightsManifest").get(0)).putArray("paths").add("g.bin");
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        node(nodes, "img", "Placeholder", List.of(), null, 1, List.of());
        constant(weights, bin, "c", new int[0], 0.16662598f, true);
        constant(weights, bin, "three", new int[0], 3f, true);
        conv(nodes, weights, bin, "net/Conv/BatchNorm/FusedBatchNorm", "_FusedConv2D", "img", 3, 3, 3, 4, 2,
                List.of("BiasAdd"));
        String x = hardSwish(nodes, "net/Conv", "net/Conv/BatchNorm/FusedBatchNorm");
        conv(nodes, weights, bin, "net/expanded_conv/depthwise/depthwise", "FusedDepthwiseConv2dNative", x, 3, 3,
                4, 1, 1, List.of("BiasAdd", "Relu"));
        conv(nodes, weights, bin, "net/expanded_conv/project/BatchNorm/FusedBatchNorm", "_FusedConv2D",
                "net/expanded_conv/depthwise/depthwise", 1, 1, 4, 4, 1, List.of("BiasAdd"));
        node(nodes, "net/expanded_conv/add", "Add", List.of("net/expanded_conv/project/BatchNorm/FusedBatchNorm", x),
                null, 1, List.of());
        conv(nodes, weights, bin, "net/expanded_conv_1/expand/Relu", "_FusedConv2D", "net/expanded_conv/add", 1, 1,
                4, 8, 1, List.of("BiasAdd", "Relu"));
        String dw = "net/expanded_conv_1/depthwise/depthwise";
        conv(nodes, weights, bin, dw, "FusedDepthwiseConv2dNative", "net/expanded_conv_1/expand/Relu", 5, 5, 8, 1, 2,
                List.of("BiasAdd", "Relu"));
        String se = "net/expanded_conv_1/squeeze_excite";
        constant(weights, bin, se + "/Mean/axes", new int[] {2}, 1f, false);
        node(nodes, se + "/Mean", "Mean", List.of(dw, se + "/Mean/axes"), null, 1, List.of());
        conv(nodes, weights, bin, se + "/Conv/Relu", "_FusedConv2D", se + "/Mean", 1, 1, 8, 2, 1,
                List.of("BiasAdd", "Relu"));
        conv(nodes, weights, bin, se + "/Conv_1/BiasAdd", "_FusedConv2D", se + "/Conv/Relu", 1, 1, 2, 8, 1,
                List.of("BiasAdd"));
        node(nodes, se + "/Conv_1/add", "Add", List.of(se + "/Conv_1/BiasAdd", "three"), null, 1, List.of());
        node(nodes, se + "/Conv_1/Relu6", "Relu6", List.of(se + "/Conv_1/add"), null, 1, List.of());
        node(nodes, se + "/Conv_1/mul", "Mul", List.of("c", se + "/Conv_1/Relu6"), null, 1, List.of());
        node(nodes, se + "/mul", "Mul", List.of(se + "/Conv_1/mul", dw), null, 1, List.of());
        conv(nodes, weights, bin, "net/expanded_conv_1/project/BatchNorm/FusedBatchNorm", "_FusedConv2D", se + "/mul",
                1, 1, 8, 6, 1, List.of("BiasAdd"));
        edit.accept(root);
        Path dir = Files.createDirectories(tmp.resolve("graph"));
        Files.write(dir.resolve("g.bin"), bin.toByteArray());
        Path json = dir.resolve("g.json");
        JSON.writeValue(json.toFile(), root);
        return json;
    }

    private static String hardSwish(ArrayNode nodes, String scope, String x) {
        String hs = scope + "/hard_swish";
        node(nodes, hs + "/mul", "Mul", List.of("c", x), null, 1, List.of());
        node(nodes, hs + "/add", "Add", List.of(x, "three"), null, 1, List.of());
        node(nodes, hs + "/Relu6", "Relu6", List.of(hs + "/add"), null, 1, List.of());
        node(nodes, hs + "/mul_1", "Mul", List.of(hs + "/mul", hs + "/Relu6"), null, 1, List.of());
        return hs + "/mul_1";
    }

    private static void conv(ArrayNode nodes, ArrayNode weights, ByteArrayOutputStream bin, String name, String op,
            String input, int kh, int kw, int in, int out, int stride, List<String> fused) {
        int[] shape = {kh, kw, in, out};
        int outChannels = op.contains("Depthwise") ? in : out;
        constant(weights, bin, name + "_w", shape, 0.01f, false);
        constant(weights, bin, name + "_b", new int[] {outChannels}, 0.1f, false);
        node(nodes, name, op, List.of(input, name + "_w", name + "_b"), "SAME", stride, fused);
    }

    private static void node(ArrayNode nodes, String name, String op, List<String> inputs, String padding,
            int stride, List<String> fused) {
        ObjectNode n = nodes.addObject().put("name", name).put("op", op);
        ArrayNode in = n.putArray("input");
        inputs.forEach(in::add);
        ObjectNode attr = n.putObject("attr");
        if (padding != null) {
            attr.putObject("padding").put("s", b64(padding));
            ArrayNode s = attr.putObject("strides").putObject("list").putArray("i");
            List.of(1, stride, stride, 1).forEach(i -> s.add(String.valueOf(i)));
            ArrayNode f = attr.putObject("fused_ops").putObject("list").putArray("s");
            fused.forEach(x -> f.add(b64(x)));
        }
    }

    /** A weight filled with {@code value}; float16-quantised when {@code half}, int32 when the value is an axis. */
    private static void constant(ArrayNode weights, ByteArrayOutputStream bin, String name, int[] shape, float value,
            boolean half) {
        ObjectNode w = weights.addObject().put("name", name);
        ArrayNode s = w.putArray("shape");
        int n = 1;
        for (int d : shape) {
            s.add(d);
            n *= d;
        }
        boolean axis = name.endsWith("/axes");
        w.put("dtype", axis ? "int32" : "float32");
        if (half) {
            w.putObject("quantization").put("dtype", "float16").put("original_dtype", "float32");
        }
        ByteBuffer b = ByteBuffer.allocate(n * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (half) {
                b.putShort(value == 3f ? (short) 0x4200 : (short) 0x3155); // 3.0 and fp16(1/6) = 0.16662598
            } else if (axis) {
                b.putInt(i + 1);
            } else {
                b.putFloat(value * (1 + i % 7));
            }
        }
        bin.writeBytes(b.array());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsStemBlocksActivationsAndWeightsInTheBlocksOrder() throws Exception {
        MobileNetV3Graph.Backbone b = MobileNetV3Graph.read(TfjsGraph.read(writeGraph(g -> { })), "net");
        MobileNetV3 a = b.architecture();
        assertEquals(new MobileNetV3.Stem(4, 3, 2, "hard_swish"), a.stem());
        assertEquals(List.of(new MobileNetV3.Bottleneck(0, 3, 1, 0, "relu", 4),
                new MobileNetV3.Bottleneck(8, 5, 2, 2, "relu", 6)), a.blocks());
        assertEquals(0.16662598f, (float) a.gateScale());
        assertEquals(List.of("net/Conv/BatchNorm/FusedBatchNorm", "net/expanded_conv/depthwise/depthwise",
                "net/expanded_conv/project/BatchNorm/FusedBatchNorm", "net/expanded_conv_1/expand/Relu",
                "net/expanded_conv_1/depthwise/depthwise", "net/expanded_conv_1/squeeze_excite/Conv/Relu",
                "net/expanded_conv_1/squeeze_excite/Conv_1/BiasAdd",
                "net/expanded_conv_1/project/BatchNorm/FusedBatchNorm"),
                b.convs().stream().map(MobileNetV3Graph.Conv::node).toList());
        MobileNetV3Graph.Conv dw = b.convs().get(4);
        assertEquals(List.of(8L, 1L, 5L, 5L), java.util.Arrays.stream(dw.kernelShape()).boxed().toList(),
                "depthwise [kh, kw, C, 1] becomes [C, 1, kh, kw]");
        assertEquals("net/expanded_conv_1/project/BatchNorm/FusedBatchNorm", b.lastNode());
    }

    @Test
    void hwioKernelsBecomeOihw() throws Exception {
        MobileNetV3Graph.Conv stem = MobileNetV3Graph.read(TfjsGraph.read(writeGraph(g -> { })), "net").convs().get(0);
        // source value at (h, w, i, o) is 0.01 * (1 + flatIndex % 7) with flatIndex = ((h*3 + w)*3 + i)*4 + o
        int h = 2;
        int w = 1;
        int i = 2;
        int o = 3;
        float expected = 0.01f * (1 + (((h * 3 + w) * 3 + i) * 4 + o) % 7);
        assertEquals(expected, stem.kernel()[((o * 3 + i) * 3 + h) * 3 + w]);
    }

    @Test
    void aGraphOfAnotherShapeIsRefusedNamingTheNode() throws Exception {
        Path json = writeGraph(g -> g.get("modelTopology").get("node").forEach(n -> {
            if (n.get("name").asText().equals("net/expanded_conv_1/project/BatchNorm/FusedBatchNorm")) {
                ((ObjectNode) n).put("op", "Conv2D");
            }
        }));
        TfjsImportException e = assertThrows(TfjsImportException.class,
                () -> MobileNetV3Graph.read(TfjsGraph.read(json), "net"));
        assertTrue(e.getMessage().contains("expanded_conv_1/project") && e.getMessage().contains("Conv2D"),
                e.getMessage());
    }

    @Test
    void aBlockThatSkipsItsResidualAddIsRefused() throws Exception {
        Path json = writeGraph(g -> {
            ArrayNode nodes = (ArrayNode) g.get("modelTopology").get("node");
            for (int k = 0; k < nodes.size(); k++) {
                if (nodes.get(k).get("name").asText().equals("net/expanded_conv/add")) {
                    nodes.remove(k);
                    return;
                }
            }
        });
        TfjsImportException e = assertThrows(TfjsImportException.class,
                () -> MobileNetV3Graph.read(TfjsGraph.read(json), "net"));
        assertTrue(e.getMessage().contains("not a MobileNetV3 backbone"), e.getMessage());
    }

    @Test
    void importRefusesAModelWhoseChecksumItDoesNotKnow() throws Exception {
        Path json = writeGraph(g -> { });
        TfjsImportException e = assertThrows(TfjsImportException.class,
                () -> new BackboneImport(new ModelStore(tmp.resolve("zoo"))).importAndPublish(json, "x", 64));
        assertTrue(e.getMessage().contains("unrecognised TF.js model"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("zoo").resolve("x")), "nothing published");
    }

    @Test
    void float16WeightsWidenExactly() {
        assertEquals(1f, TfjsGraph.halfToFloat((short) 0x3c00));
        assertEquals(-2f, TfjsGraph.halfToFloat((short) 0xc000));
        assertEquals(65504f, TfjsGraph.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, TfjsGraph.halfToFloat((short) 0x0001), "smallest subnormal");
        assertEquals(0.16662598f, TfjsGraph.halfToFloat((short) 0x3155));
        assertEquals(Float.NEGATIVE_INFINITY, TfjsGraph.halfToFloat((short) 0xfc00));
    }
}
