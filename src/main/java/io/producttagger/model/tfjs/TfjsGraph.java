package io.producttagger.model.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow.js graph model read from disk: the GraphDef nodes of its {@code model.json} and its weights,
 * dequantised to float32.
 *
 * <p>The weights manifest lists each weight's name, shape, dtype and quantisation in the order their bytes follow
 * each other in the group's shards (concatenated in {@code paths} order). float16-quantised weights are 2 bytes
 * each; {@code uint8}/{@code uint16} affine quantisation stores {@code min + q * scale}; int32 constants (shapes,
 * axes) are kept as they are.
 */
public final class TfjsGraph {

    /**
     * One GraphDef node.
     *
     * @param name the node's name
     * @param op the operation, e.g. {@code _FusedConv2D}
     * @param inputs its inputs' tensor names
     * @param attr its attributes as JSON
     */
    public record Node(String name, String op, List<String> inputs, JsonNode attr) {

        /** Returns a string attribute (TF.js stores them base64-encoded), or "" when absent. */
        public String string(String key) {
            JsonNode s = attr.path(key).path("s");
            return s.isMissingNode() ? "" : new String(Base64.getDecoder().decode(s.asText()), StandardCharsets.UTF_8);
        }

        /** Returns a list-of-strings attribute decoded, e.g. {@code fused_ops}. */
        public List<String> strings(String key) {
            List<String> out = new ArrayList<>();
            attr.path(key).path("list").path("s").forEach(
                    s -> out.add(new String(Base64.getDecoder().decode(s.asText()), StandardCharsets.UTF_8)));
            return out;
        }

        /** Returns a list-of-ints attribute, e.g. {@code strides}. */
        public List<Integer> ints(String key) {
            List<Integer> out = new ArrayList<>();
            attr.path(key).path("list").path("i").forEach(i -> out.add(Integer.parseInt(i.asText())));
            return out;
        }
    }

    /**
     * One weight tensor, float32 after dequantisation.
     *
     * @param name the weight's (constant node's) name
     * @param shape its shape
     * @param values its values in row-major order
     */
    public record Weight(String name, int[] shape, float[] values) {}

    private final Map<String, Node> nodes;
    private final Map<String, Weight> weights;
    private final List<String> inputs;
    private final JsonNode json;

    private TfjsGraph(Map<String, Node> nodes, Map<String, Weight> weights, List<String> inputs, JsonNode json) {
        this.nodes = nodes;
        this.weights = weights;
        this.inputs = inputs;
        this.json = json;
    }

    /**
     * Reads a graph model: the {@code model.json} and the weight shards its manifest names, next to it.
     *
     * @throws TfjsImportException when the file is not a TF.js graph model or its weights do not add up
     */
    public static TfjsGraph read(Path modelJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(modelJson.toFile());
        } catch (IOException e) {
            throw new TfjsImportException("cannot read " + modelJson + " as JSON: " + e.getMessage());
        }
        if (!"graph-model".equals(root.path("format").asText())) {
            throw new TfjsImportException(modelJson + " is not a TF.js graph model (format '"
                    + root.path("format").asText() + "', expected 'graph-model')");
        }
        Map<String, Node> nodes = new LinkedHashMap<>();
        for (JsonNode n : root.path("modelTopology").path("node")) {
            List<String> in = new ArrayList<>();
            n.path("input").forEach(i -> in.add(i.asText()));
            nodes.put(n.path("name").asText(), new Node(n.path("name").asText(), n.path("op").asText(), in,
                    n.path("attr")));
        }
        if (nodes.isEmpty()) {
            throw new TfjsImportException(modelJson + " has no modelTopology.node list");
        }
        List<String> inputs = new ArrayList<>();
        root.path("signature").path("inputs").fieldNames().forEachRemaining(inputs::add);
        Map<String, Weight> weights = new HashMap<>();
        Path dir = modelJson.toAbsolutePath().getParent();
        for (JsonNode group : root.path("weightsManifest")) {
            ByteBuffer bytes = shards(dir, group.path("paths"));
            for (JsonNode w : group.path("weights")) {
                Weight weight = weight(w, bytes);
                weights.put(weight.name(), weight);
            }
            if (bytes.hasRemaining()) {
                throw new TfjsImportException("the weight shards hold " + bytes.remaining()
                        + " more bytes than the weights manifest lists");
            }
        }
        return new TfjsGraph(nodes, weights, inputs, root);
    }

    private static ByteBuffer shards(Path dir, JsonNode paths) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (JsonNode p : paths) {
            Path shard = dir.resolve(p.asText()).normalize();
            if (!shard.startsWith(dir)) {
                throw new TfjsImportException("weight shard path '" + p.asText() + "' leaves the model's folder");
            }
            try {
                all.write(Files.readAllBytes(shard));
            } catch (IOException e) {
                throw new TfjsImportException("cannot read weight shard " + shard + ": " + e.getMessage());
            }
        }
        return ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static Weight weight(JsonNode w, ByteBuffer bytes) {
        String name = w.path("name").asText();
        List<Integer> dims = new ArrayList<>();
        w.path("shape").forEach(d -> dims.add(d.asInt()));
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        int n = Math.toIntExact(count);
        String dtype = w.path("dtype").asText();
        JsonNode q = w.path("quantization");
        String stored = q.isMissingNode() ? dtype : q.path("dtype").asText();
        float[] values = new float[n];
        int bytesPer = switch (stored) {
            case "float32", "int32" -> 4;
            case "float16", "uint16" -> 2;
            case "uint8" -> 1;
            default -> throw new TfjsImportException("weight '" + name + "' is stored as " + stored
                    + ", which this importer does not read (float32, float16, int32, uint8, uint16)");
        };
        if (bytes.remaining() < (long) n * bytesPer) {
            throw new TfjsImportException("the weight shards end inside weight '" + name + "'");
        }
        double scale = q.path("scale").asDouble(1);
        double min = q.path("min").asDouble(0);
        for (int i = 0; i < n; i++) {
            values[i] = switch (stored) {
                case "float32" -> bytes.getFloat();
                case "int32" -> bytes.getInt();
                case "float16" -> halfToFloat(bytes.getShort());
                case "uint16" -> (float) (min + (bytes.getShort() & 0xffff) * scale);
                default -> (float) (min + (bytes.get() & 0xff) * scale);
            };
        }
        return new Weight(name, shape, values);
    }

    /** IEEE 754 binary16 to float32 (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal: value = mantissa * 2^-24
            float v = mantissa * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Returns the node of that name, or null. */
    public Node node(String name) {
        return nodes.get(name);
    }

    /** Returns every node, in the graph's order. */
    public Iterable<Node> nodes() {
        return nodes.values();
    }

    /** Returns the weight of that name. */
    public Weight weight(String name) {
        Weight w = weights.get(name);
        if (w == null) {
            throw new TfjsImportException("the graph uses constant '" + name + "' but the weights manifest has none");
        }
        return w;
    }

    /** Returns the names of the signature's inputs. */
    public List<String> inputs() {
        return inputs;
    }

    /** Returns a top-level string field of the model.json, e.g. {@code convertedBy}, or "". */
    public String field(String key) {
        return json.path(key).asText("");
    }
}
