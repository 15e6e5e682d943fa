package io.producttagger.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@code mobilenetv3} family: a MobileNetV3 backbone (Howard et al. 2019) as TF-slim builds it, with batch
 * norm folded into each convolution's bias, then global average pooling, L2 normalisation and a linear head.
 *
 * <p>A stem convolution, then inverted-residual {@link Bottleneck}s: an optional 1x1 expansion, a depthwise
 * convolution, an optional squeeze-and-excite gate, a linear 1x1 projection, and a residual add when the shape
 * is kept. Activations are ReLU or hard-swish, {@code x * relu6(x + 3) * gateScale}; the gate is the hard sigmoid
 * {@code relu6(x + 3) * gateScale}. {@code gateScale} is 1/6 in the paper and whatever the imported graph stores
 * (TF.js keeps it as float16: 0.16662598), so that the block computes what the source network computes.
 *
 * <p>Convolutions pad like TensorFlow's {@code SAME}: at stride 2 an even-sized input gets one more pixel at the
 * bottom and right than at the top and left, where MXNet's own padding is symmetric; those layers pad explicitly
 * ({@link TfLayers#sameConv}, the layers this family shares with {@link MobileNetV2}).
 *
 * <p>The input is RGB in 0..255 (see the manifest's {@code normalize} step); there is no batch norm left, so the
 * features of a fine-tune can be run once per image and cached ({@link #cachesFeatures}).
 *
 * <p>The features are the global averages of the outputs of the {@code pooled} blocks, each L2-normalised, side by
 * side. The backbone alone pools its last block; a fine-tune pools the ends of the stride-4, stride-16 and
 * stride-32 stages ({@link #fineTuned}), because the deep features alone hardly see colour (README, "The COCO
 * colour base", for the probes that showed it).
 *
 * @param stem the first convolution
 * @param blocks the bottlenecks, in order
 * @param gateScale the factor of hard-swish and hard-sigmoid
 * @param dropout dropout rate before the head
 * @param pooled the blocks (0-based, ascending) whose global average outputs make the features; the last block
 *     when absent
 */
public record MobileNetV3(Stem stem, List<Bottleneck> blocks, double gateScale, double dropout, List<Integer> pooled)
        implements Architecture {

    /** The family's {@code architecture.type}. */
    public static final String TYPE = "mobilenetv3";

    /** The activation names a layer may declare. */
    public static final List<String> ACTIVATIONS = List.of("relu", "hard_swish");

    /**
     * The stem: a full convolution of the RGB input.
     *
     * @param filters output channels
     * @param kernel kernel side
     * @param stride stride
     * @param activation {@code relu} or {@code hard_swish}
     */
    public record Stem(int filters, int kernel, int stride, String activation) {
        /** Validates the layer. */
        public Stem {
            checkLayer(filters, kernel, stride, activation);
        }
    }

    /**
     * One inverted-residual block.
     *
     * @param expand channels of the 1x1 expansion, 0 for none (the depthwise convolution runs on the input)
     * @param kernel depthwise kernel side
     * @param stride depthwise stride
     * @param squeeze channels of the squeeze-and-excite bottleneck, 0 for none
     * @param activation {@code relu} or {@code hard_swish}, after the expansion and the depthwise convolution
     * @param filters output channels of the projection
     */
    public record Bottleneck(int expand, int kernel, int stride, int squeeze, String activation, int filters) {
        /** Validates the layer. */
        public Bottleneck {
            checkLayer(filters, kernel, stride, activation);
            if (expand < 0 || squeeze < 0) {
                throw new IllegalArgumentException("expand and squeeze must be 0 (none) or positive");
            }
        }
    }

    /** Validates the declaration and copies the block list. */
    public MobileNetV3 {
        if (stem == null || blocks == null || blocks.isEmpty()) {
            throw new IllegalArgumentException("mobilenetv3 needs a stem and at least one block");
        }
        if (!(gateScale > 0 && gateScale <= 1)) {
            throw new IllegalArgumentException("gateScale must be in (0, 1]");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1)");
        }
        blocks = List.copyOf(blocks);
        pooled = pooled == null || pooled.isEmpty() ? List.of(blocks.size() - 1) : List.copyOf(pooled);
        for (int i = 0; i < pooled.size(); i++) {
            if (pooled.get(i) < 0 || pooled.get(i) >= blocks.size() || (i > 0 && pooled.get(i) <= pooled.get(i - 1))) {
                throw new IllegalArgumentException("pooled blocks must be ascending indices below " + blocks.size()
                        + ", got " + pooled);
            }
        }
    }

    /** A backbone pooling its last block. */
    public MobileNetV3(Stem stem, List<Bottleneck> blocks, double gateScale, double dropout) {
        this(stem, blocks, gateScale, dropout, null);
    }

    private static void checkLayer(int filters, int kernel, int stride, String activation) {
        if (filters < 1 || kernel < 1 || kernel % 2 == 0 || stride < 1 || stride > 2) {
            throw new IllegalArgumentException("a layer needs filters >= 1, an odd kernel and stride 1 or 2");
        }
        if (!ACTIVATIONS.contains(activation)) {
            throw new IllegalArgumentException("unknown activation '" + activation + "'; known: " + ACTIVATIONS);
        }
    }

    /** Returns a copy pooling other blocks into the features. */
    public MobileNetV3 withPooled(List<Integer> blockIndices) {
        return new MobileNetV3(stem, blocks, gateScale, dropout, blockIndices);
    }

    /**
     * Returns the last block of each stage at a total stride of 4, 16 and 32 (those that exist), and the last
     * block: the features a fine-tune pools.
     */
    public List<Integer> stageEnds() {
        java.util.TreeSet<Integer> ends = new java.util.TreeSet<>();
        int stride = stem.stride();
        for (int i = 0; i < blocks.size(); i++) {
            stride *= blocks.get(i).stride();
            boolean last = i == blocks.size() - 1 || blocks.get(i + 1).stride() > 1;
            if (last && (stride == 4 || stride == 16 || stride == 32)) {
                ends.add(i);
            }
        }
        ends.add(blocks.size() - 1);
        return List.copyOf(ends);
    }

    /** A fine-tune pools the stage ends ({@link #stageEnds}); the network and its weights stay as they are. */
    @Override
    public Architecture fineTuned(boolean color) {
        return withPooled(stageEnds());
    }

    /** The trained stem and blocks, regrouped for the target's pooled blocks. */
    @Override
    public Block transferFeatures(Block trainedFeatures, Architecture target) {
        if (target.equals(this) || !(target instanceof MobileNetV3 t)) {
            return trainedFeatures;
        }
        List<Block> stages = new java.util.ArrayList<>();
        collectStages(trainedFeatures, stages);
        return t.assemble(stages);
    }

    /** Flattens a features block back into its stem and blocks, leaving the poolings out. */
    private static void collectStages(Block block, List<Block> out) {
        for (Block child : block.getChildren().values()) {
            if (TfLayers.isL2Pooling(child)) {
                continue;
            }
            if (child instanceof ParallelBlock p && p.getChildren().size() == 2
                    && TfLayers.isL2Pooling(p.getChildren().get(0).getValue())) {
                collectStages(p.getChildren().get(1).getValue(), out);
            } else {
                out.add(child);
            }
        }
    }

    @Override
    public int inputChannels() {
        return 3;
    }

    /** Returns the length of the feature vector: the channels of the pooled blocks together. */
    public int featureSize() {
        return pooled.stream().mapToInt(i -> blocks.get(i).filters()).sum();
    }

    /**
     * Builds the features: child 0 the stem, children 1 to N the bottlenecks, child N+1 the pooling, when only the
     * last block is pooled. Each pooled block's output is averaged over the image and L2-normalised, every pooled
     * block to the same norm (a block with few channels, such as the colour-aware stride-4 one, weighs as much as a
     * deep one) and all together to sqrt(D) for D features, so each is about 1 in size and a head trains at the
     * learning rates of any other family; the head sees the direction of the features, not their scale, which
     * differs a lot between photos (README, "The COCO colour base"). An earlier pooled block ends its stretch of the sequence with a parallel
     * block: its pooling beside the rest of the network, concatenated.
     */
    @Override
    public SequentialBlock buildFeatures() {
        List<Block> stages = new java.util.ArrayList<>();
        stages.add(new SequentialBlock().add(TfLayers.sameConv(stem.filters(), stem.kernel(), stem.stride(), 1))
                .add(activation(stem.activation())));
        int in = stem.filters();
        for (Bottleneck b : blocks) {
            stages.add(bottleneck(b, in));
            in = b.filters();
        }
        return assemble(stages);
    }

    /** Arranges the stem and blocks ({@code stages}) with the poolings of {@link #pooled}. */
    private SequentialBlock assemble(List<Block> stages) {
        return assemble(stages, 0, 0);
    }

    private SequentialBlock assemble(List<Block> stages, int from, int tap) {
        SequentialBlock seq = new SequentialBlock();
        int end = pooled.get(tap) + 1; // stage index of block b is b + 1
        stages.subList(from, end + 1).forEach(seq::add);
        Block pool = TfLayers.l2Pooling((float) Math.sqrt((double) featureSize() / pooled.size()));
        if (tap == pooled.size() - 1) {
            return seq.add(pool);
        }
        return seq.add(new ParallelBlock(xs -> new NDList(NDArrays.concat(new NDList(xs.get(0).singletonOrThrow(),
                xs.get(1).singletonOrThrow()), 1)), List.of(pool, assemble(stages, end + 1, tap + 1))));
    }

    @Override
    public Block buildHead(int labels) {
        return TfLayers.head(labels, dropout);
    }

    /**
     * The whole features block is frozen and cached: no batch norm is left in it. No block tunes: tuning the last
     * two at the then whole-network rate lost half the held-out accuracy (README, "The COCO colour base").
     */
    @Override
    public boolean cachesFeatures() {
        return true;
    }

    private Block bottleneck(Bottleneck b, int in) {
        SequentialBlock body = new SequentialBlock();
        int mid = in;
        if (b.expand() > 0) {
            body.add(TfLayers.sameConv(b.expand(), 1, 1, 1)).add(activation(b.activation()));
            mid = b.expand();
        }
        body.add(TfLayers.sameConv(mid, b.kernel(), b.stride(), mid)).add(activation(b.activation()));
        if (b.squeeze() > 0) {
            SequentialBlock gate = new SequentialBlock()
                    .add(LambdaBlock.singleton(x -> x.mean(new int[] {2, 3}, true), "se_mean"))
                    .add(TfLayers.sameConv(b.squeeze(), 1, 1, 1))
                    .add(Activation.reluBlock())
                    .add(TfLayers.sameConv(mid, 1, 1, 1))
                    .add(LambdaBlock.singleton(this::hardSigmoid, "hard_sigmoid"));
            body.add(new ParallelBlock(xs -> new NDList(xs.get(0).singletonOrThrow()
                    .mul(xs.get(1).singletonOrThrow())), List.of(Blocks.identityBlock(), gate)));
        }
        body.add(TfLayers.sameConv(b.filters(), 1, 1, 1));
        return b.stride() == 1 && in == b.filters() ? TfLayers.residual(body) : body;
    }

    /**
     * The graph of {@link #buildFeatures}: the same layers, their parameters in the same order, each pooled block's
     * L2-normalised average taken where the block ends and the poolings side by side.
     */
    @Override
    public Optional<MxGraph.Node> writeFeatures(MxGraph graph, MxGraph.Node input) {
        MxGraph.Node x = activation(graph, stem.activation(),
                graph.sameConv(input, stem.filters(), stem.kernel(), stem.stride(), 1));
        float norm = (float) Math.sqrt((double) featureSize() / pooled.size());
        List<MxGraph.Node> pools = new java.util.ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            x = bottleneck(graph, blocks.get(i), x);
            if (pooled.contains(i)) {
                pools.add(graph.l2Pooling(x, norm));
            }
        }
        return Optional.of(pools.size() == 1 ? pools.get(0) : graph.concat(pools));
    }

    @Override
    public MxGraph.Node writeHead(MxGraph graph, MxGraph.Node features, int labels) {
        return graph.linear(features, labels);
    }

    private MxGraph.Node bottleneck(MxGraph graph, Bottleneck b, MxGraph.Node x) {
        MxGraph.Node y = x;
        if (b.expand() > 0) {
            y = activation(graph, b.activation(), graph.sameConv(y, b.expand(), 1, 1, 1));
        }
        y = activation(graph, b.activation(), graph.sameConv(y, y.channels(), b.kernel(), b.stride(), y.channels()));
        if (b.squeeze() > 0) {
            if ("relu".equals(b.activation())) {
                y = graph.plain(y); // the fused convolution's output, read by the gate's pooling and its product
            }
            MxGraph.Node gate = graph.relu(graph.sameConv(graph.spatialMean(y), b.squeeze(), 1, 1, 1));
            gate = graph.sameConv(gate, y.channels(), 1, 1, 1);
            y = graph.mul(y, graph.hardSigmoid(gate, (float) gateScale));
        }
        y = graph.sameConv(y, b.filters(), 1, 1, 1);
        return b.stride() == 1 && x.channels() == b.filters() ? graph.add(y, x) : y;
    }

    /**
     * ReLU, or hard-swish as two operators with its factor left to the next convolution ({@link MxGraph#hardSwish}):
     * written out as the block computes it, its four operators and their layout conversions took more time than
     * all convolutions of the graph.
     */
    private MxGraph.Node activation(MxGraph graph, String name, MxGraph.Node x) {
        return "relu".equals(name) ? graph.relu(x) : graph.hardSwish(x, (float) gateScale);
    }

    private Block activation(String name) {
        Function<NDArray, NDArray> f = "relu".equals(name) ? Activation::relu : this::hardSwish;
        return LambdaBlock.singleton(f, name);
    }

    private NDArray hardSwish(NDArray x) {
        return x.mul((float) gateScale).mul(x.add(3f).clip(0f, 6f));
    }

    private NDArray hardSigmoid(NDArray x) {
        return x.add(3f).clip(0f, 6f).mul((float) gateScale);
    }
}
