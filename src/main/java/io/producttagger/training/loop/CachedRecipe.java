package io.producttagger.training.loop;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import io.producttagger.model.Architecture;
import io.producttagger.model.GraphNetwork;
import io.producttagger.model.ModelManifest;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link Recipe#TAIL} and {@link Recipe#PROBE}, one recipe with two cut points: the frozen part of the features runs
 * once per image (inference mode) and its outputs are cached; the trainable part (the backbone's last layers for
 * {@code tail}, nothing for {@code probe}) and the head then train on the cached tensors, AdamW with a cosine
 * schedule over a fixed number of epochs, publishing the last epoch (a validation carve of a few images per label
 * picks noise when it chooses an epoch).
 *
 * <p>The head is a linear layer on the L2-normalised pooled features, zero-initialised when new. Its rate is
 * given for features of norm 1 and divided by the features' actual norm (the families normalise to sqrt(D)), so
 * the logits move as a unit-norm head's would; the trainable layers train at the request's learning rate.
 * {@code headOnlyEpochs} train the head alone first; {@code epochs} then train everything that trains.
 */
final class CachedRecipe implements FineTuneRecipe {

    private static final float WEIGHT_DECAY = 1e-4f;

    /** Fewest steps an epoch makes: small sets take smaller batches. */
    private static final int MIN_STEPS = 8;

    private final boolean tail;

    /**
     * Creates the recipe.
     *
     * @param tail whether the backbone's last layers train ({@link Recipe#TAIL}) or only the head ({@link
     *     Recipe#PROBE})
     */
    CachedRecipe(boolean tail) {
        this.tail = tail;
    }

    @Override
    public Result train(Input in) {
        FineTuneRequest request = in.request();
        Model model = in.model();
        Architecture.FeatureSplit split = tail ? in.architecture().trainableTail(in.features())
                : new Architecture.FeatureSplit(in.features(), ai.djl.nn.Blocks.identityBlock());
        // batches that split the set evenly (a fixed 32 would leave up to 31 images of a small set out of every epoch;
        // this leaves fewer than one batch's worth, other ones each epoch), and at least MIN_STEPS of them: a step
        // on cached tensors costs little, and at 10 images per label a batch of 32 made one step an epoch and the
        // head stopped undertrained
        int steps = Math.max(MIN_STEPS, (in.train().size() + in.batchSize() - 1) / in.batchSize());
        int bs = Math.max(1, in.train().size() / steps);
        long cacheSteps = FeatureCache.batches(in.train().size()) + FeatureCache.batches(in.validation().size());
        ProgressTracker tracker = in.tracker(cacheSteps + (long) (in.train().size() / bs) * in.totalEpochs());
        // the frozen part runs as the family's graph where it has one: several times faster than its block, and its
        // outputs equal within float rounding (GraphNetworkTest)
        ModelManifest.InputSpec size = new ModelManifest.InputSpec(in.train().width(), in.train().height(),
                in.train().channels());
        Block frozen = tail ? GraphNetwork.frozenTailInput(in.architecture(), split.frozen(), size,
                model.getNDManager()) : GraphNetwork.frozenFeatures(in.architecture(), split.frozen(), size,
                model.getNDManager());
        TrainingSamples train = FeatureCache.compute(model, frozen, TrainingSamples.images(in.train(),
                in.normalization(), Augmentation.NONE), tracker, in.cancelled());
        TrainingSamples validation = FeatureCache.compute(model, frozen, TrainingSamples.images(
                in.validation(), in.normalization(), Augmentation.NONE), tracker, in.cancelled());

        Block head = in.head();
        if (in.newHead()) {
            head.setInitializer(new ConstantInitializer(0f), Parameter.Type.WEIGHT);
        }
        SequentialBlock trained = new SequentialBlock().add(split.tail()).add(head);
        model.setBlock(trained);
        trained.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(train.sampleShape()));
        float featureNorm = featureNorm(model, split.tail(), train);
        Map<String, Float> headRate = new HashMap<>();
        float headFactor = request.headLearningRate() / featureNorm / request.learningRate();
        head.getParameters().values().forEach(p -> headRate.put(p.getId(), headFactor));

        RecipePhases phases = new RecipePhases(model, tracker, in.cancelled(), false);
        if (request.headOnlyEpochs() > 0 && !in.cancelled().getAsBoolean()) {
            split.tail().freezeParameters(true);
            try {
                phases.run("head", train, validation, adamW(request.headOnlyEpochs(), bs, request.headLearningRate()
                        / featureNorm, Map.of(), request.seed()), Integer.MAX_VALUE);
            } finally {
                split.tail().freezeParameters(false);
            }
        }
        if (request.epochs() > 0 && !in.cancelled().getAsBoolean()) {
            // a probe has no trainable layers: its head trains at the head rate in both phases
            phases.run(tail ? "tail" : "head", train, validation, tail
                    ? adamW(request.epochs(), bs, request.learningRate(), headRate, request.seed() + 1)
                    : adamW(request.epochs(), bs, request.headLearningRate() / featureNorm, Map.of(),
                            request.seed() + 1), Integer.MAX_VALUE);
        }
        return phases.finishWithLast(description(split, featureNorm), bs, "none (cached once per image)");
    }

    private String description(Architecture.FeatureSplit split, float featureNorm) {
        String what = tail ? "tail: the frozen front of the backbone ran once on each image; its last layers ("
                + split.tail().getChildren().size() + " children: blocks, last convolution, pooling) and the head "
                + "trained on the cached activations"
                : "probe: the frozen backbone ran once on each image; a linear head trained on the pooled features";
        return what + String.format(java.util.Locale.ROOT, ", AdamW, cosine schedule, weight decay %.0e, features of "
                + "norm %.1f", WEIGHT_DECAY, featureNorm);
    }

    private static ClassifierTrainer.Settings adamW(int epochs, int batchSize, float learningRate,
            Map<String, Float> rateFactors, long seed) {
        return ClassifierTrainer.Settings.builder().setEpochs(epochs).setBatchSize(batchSize)
                .setLearningRate(learningRate).optWeightDecay(WEIGHT_DECAY).optAdamW().optRateFactors(rateFactors)
                .optSeed(seed).build();
    }

    /** The L2 norm of the features the head reads, measured on the first cached sample. */
    private static float featureNorm(Model model, Block tail, TrainingSamples train) {
        float[] sample = new float[train.sampleSize()];
        train.write(0, sample, 0, null);
        try (NDManager sub = model.getNDManager().newSubManager()) {
            NDArray x = sub.create(sample, new Shape(1).addAll(train.sampleShape()));
            NDArray features = tail.forward(new ParameterStore(sub, false), new NDList(x), false)
                    .singletonOrThrow();
            float norm = features.norm().getFloat();
            return norm > 0 ? norm : 1f;
        }
    }
}
