package io.producttagger.model;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import java.util.List;
import java.util.Optional;

/**
 * The {@code mobilenetv2} family: MobileNetV2 (Sandler et al. 2018) as TensorFlow builds it, with batch norm folded
 * into each convolution's bias, then global average pooling and a linear head.
 *
 * <p>A stem convolution with ReLU6, then {@link InvertedResidual} blocks: an optional 1x1 expansion with ReLU6, a
 * depthwise convolution with ReLU6, a linear 1x1 projection, and a residual add when the block keeps the shape
 * (stride 1, as many channels out as in); then a last 1x1 convolution with ReLU6 ({@code lastFilters}, 1280 in the
 * ImageNet network). Convolutions pad like TensorFlow's {@code SAME} ({@link TfLayers#sameConv}).
 *
 * <p>The features are the global average of the last convolution. An imported classifier keeps them as they are,
 * because its head (TF's last 1x1 convolution, a linear layer on the pooled vector since pooling and a 1x1
 * convolution commute) was trained on them; a backbone and every fine-tune normalise them to an L2 norm of
 * sqrt(D) ({@code normalizeFeatures}), so that a new head sees their direction at the scale every family's head
 * trains at. The two differ only in that parameterless last step, so a classifier's trained layers become a
 * fine-tune's features unchanged ({@link #transferFeatures}).
 *
 * <p>The input is RGB scaled as the manifest's {@code normalize} step says (the ImageNet file: (p - 128) / 128).
 * No batch norm is left, so a fine-tune runs the features once per image and caches them ({@link #cachesFeatures}).
 *
 * @param stem the first convolution
 * @param blocks the inverted residual blocks, in order
 * @param lastFilters output channels of the last 1x1 convolution, 0 for none (the last block is then pooled)
 * @param normalizeFeatures whether the pooled features are L2-normalised (backbones and fine-tunes) or kept as
 *     they are (an imported classifier)
 * @param dropout dropout rate before the head
 */
public record MobileNetV2(Stem stem, List<InvertedResidual> blocks, int lastFilters, boolean normalizeFeatures,
        double dropout) implements Architecture {

    /** The family's {@code architecture.type}. */
    public static final String TYPE = "mobilenetv2";

    /**
     * The stem: a full convolution of the RGB input, then ReLU6.
     *
     * @param filters output channels
     * @param kernel kernel side
     * @param stride stride
     */
    public record Stem(int filters, int kernel, int stride) {
        /** Validates the layer. */
        public Stem {
            checkLayer(filters, kernel, stride);
        }
    }

    /**
     * One inverted residual block.
     *
     * @param expand channels of the 1x1 expansion, 0 for none (the depthwise convolution runs on the input)
     * @param kernel depthwise kernel side
     * @param stride depthwise stride
     * @param filters output channels of the linear projection
     */
    public record InvertedResidual(int expand, int kernel, int stride, int filters) {
        /** Validates the layer. */
        public InvertedResidual {
            checkLayer(filters, kernel, stride);
            if (expand < 0) {
                throw new IllegalArgumentException("expand must be 0 (none) or positive");
            }
        }
    }

    /** Validates the declaration and copies the block list. */
    public MobileNetV2 {
        if (stem == null || blocks == null || blocks.isEmpty()) {
            throw new IllegalArgumentException("mobilenetv2 needs a stem and at least one block");
        }
        if (lastFilters < 0) {
            throw new IllegalArgumentException("lastFilters must be 0 (none) or positive");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1)");
        }
        blocks = List.copyOf(blocks);
    }

    private static void checkLayer(int filters, int kernel, int stride) {
        if (filters < 1 || kernel < 1 || kernel % 2 == 0 || stride < 1 || stride > 2) {
            throw new IllegalArgumentException("a layer needs filters >= 1, an odd kernel and stride 1 or 2");
        }
    }

    /** Returns a copy whose pooled features are, or are not, L2-normalised. */
    public MobileNetV2 withNormalizeFeatures(boolean normalize) {
        return new MobileNetV2(stem, blocks, lastFilters, normalize, dropout);
    }

    @Override
    public int inputChannels() {
        return 3;
    }

    /** Returns the length of the feature vector: the channels of the last convolution (or of the last block). */
    public int featureSize() {
        return lastFilters > 0 ? lastFilters : blocks.get(blocks.size() - 1).filters();
    }

    /**
     * Builds the features: child 0 the stem, children 1 to N the blocks, then the last convolution (when there is
     * one) and the pooling, so the output of block {@code b} is that of the first {@code b + 2} children.
     */
    @Override
    public SequentialBlock buildFeatures() {
        SequentialBlock features = new SequentialBlock();
        features.add(new SequentialBlock().add(TfLayers.sameConv(stem.filters(), stem.kernel(), stem.stride(), 1))
                .add(TfLayers.relu6()));
        int in = stem.filters();
        for (InvertedResidual b : blocks) {
            features.add(block(b, in));
            in = b.filters();
        }
        if (lastFilters > 0) {
            features.add(new SequentialBlock().add(TfLayers.sameConv(lastFilters, 1, 1, 1)).add(TfLayers.relu6()));
        }
        return features.add(pooling());
    }

    /** The graph of {@link #buildFeatures}: the same layers, their parameters in the same order. */
    @Override
    public Optional<MxGraph.Node> writeFeatures(MxGraph graph, MxGraph.Node input) {
        MxGraph.Node x = writeLayers(graph, input, blocks.size(), lastFilters > 0);
        return Optional.of(normalizeFeatures ? graph.l2Pooling(x, (float) Math.sqrt(featureSize()))
                : graph.averagePooling(x));
    }

    /** The graph of {@link #buildFeatures} without its pooling: the last feature map. */
    @Override
    public Optional<MxGraph.Node> writeFeatureMap(MxGraph graph, MxGraph.Node input) {
        return Optional.of(writeLayers(graph, input, blocks.size(), lastFilters > 0));
    }

    /** The graph of {@link #trainableTail}'s front: the stem and every block before the tail. */
    @Override
    public Optional<MxGraph.Node> writeTailInput(MxGraph graph, MxGraph.Node input) {
        return Optional.of(writeLayers(graph, input, blocks.size() - TAIL_BLOCKS, false));
    }

    /** The stem, the first {@code count} blocks and, when asked, the last convolution, unpooled. */
    private MxGraph.Node writeLayers(MxGraph graph, MxGraph.Node input, int count, boolean last) {
        MxGraph.Node x = graph.clip(graph.sameConv(input, stem.filters(), stem.kernel(), stem.stride(), 1), 0, 6);
        for (InvertedResidual b : blocks.subList(0, count)) {
            MxGraph.Node y = x;
            if (b.expand() > 0) {
                y = graph.clip(graph.sameConv(y, b.expand(), 1, 1, 1), 0, 6);
            }
            y = graph.clip(graph.sameConv(y, y.channels(), b.kernel(), b.stride(), y.channels()), 0, 6);
            y = graph.sameConv(y, b.filters(), 1, 1, 1);
            x = b.stride() == 1 && x.channels() == b.filters() ? graph.add(y, x) : y;
        }
        return last ? graph.clip(graph.sameConv(x, lastFilters, 1, 1, 1), 0, 6) : x;
    }

    @Override
    public MxGraph.Node writeHead(MxGraph graph, MxGraph.Node features, int labels) {
        return graph.linear(features, labels);
    }

    private Block pooling() {
        return normalizeFeatures ? TfLayers.l2Pooling((float) Math.sqrt(featureSize())) : TfLayers.averagePooling();
    }

    private static Block block(InvertedResidual b, int in) {
        SequentialBlock body = new SequentialBlock();
        int mid = in;
        if (b.expand() > 0) {
            body.add(TfLayers.sameConv(b.expand(), 1, 1, 1)).add(TfLayers.relu6());
            mid = b.expand();
        }
        body.add(TfLayers.sameConv(mid, b.kernel(), b.stride(), mid)).add(TfLayers.relu6());
        body.add(TfLayers.sameConv(b.filters(), 1, 1, 1));
        return b.stride() == 1 && in == b.filters() ? TfLayers.residual(body) : body;
    }

    @Override
    public Block buildHead(int labels) {
        return TfLayers.head(labels, dropout);
    }

    /** A fine-tune pools L2-normalised features; the layers and their weights stay as they are. */
    @Override
    public Architecture fineTuned(boolean color) {
        return withNormalizeFeatures(true);
    }

    /** The trained layers with the target's pooling in place of this one's. */
    @Override
    public Block transferFeatures(Block trainedFeatures, Architecture target) {
        if (target.equals(this)) {
            return trainedFeatures;
        }
        if (!(target instanceof MobileNetV2 t) || !t.withNormalizeFeatures(normalizeFeatures).equals(this)) {
            throw new IllegalArgumentException("a mobilenetv2 network transfers only to the same layers, got "
                    + target);
        }
        List<Block> layers = trainedFeatures.getChildren().values();
        SequentialBlock features = new SequentialBlock();
        layers.subList(0, layers.size() - 1).forEach(features::add);
        return features.add(t.pooling());
    }

    /** The features carry no batch statistics: a fine-tune freezes them and caches their output once per image. */
    @Override
    public boolean cachesFeatures() {
        return true;
    }

    /** Inverted residual blocks a fine-tune trains, with the last 1x1 convolution, on cached activations. */
    public static final int TAIL_BLOCKS = 4;

    /** A fine-tune may train the last {@link #TAIL_BLOCKS} blocks and the last convolution. */
    @Override
    public boolean hasTrainableTail() {
        return blocks.size() > TAIL_BLOCKS;
    }

    /**
     * The front is the stem and every block but the last {@link #TAIL_BLOCKS}; the tail is those blocks, the last
     * convolution and the pooling (children of {@link #buildFeatures} in order): how many train is the recipe
     * measured in the README (Fine-tuning, recipes).
     */
    @Override
    public FeatureSplit trainableTail(Block features) {
        if (!hasTrainableTail()) {
            throw new UnsupportedOperationException("a mobilenetv2 of " + blocks.size() + " blocks has no tail of "
                    + TAIL_BLOCKS);
        }
        List<Block> layers = features.getChildren().values();
        int tailStart = 1 + blocks.size() - TAIL_BLOCKS;
        SequentialBlock frozen = new SequentialBlock();
        layers.subList(0, tailStart).forEach(frozen::add);
        SequentialBlock tail = new SequentialBlock();
        layers.subList(tailStart, layers.size()).forEach(tail::add);
        return new FeatureSplit(frozen, tail);
    }
}
