package io.producttagger.training.loop;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;

/**
 * {@link Recipe#IMAGES}: for families whose features train as a whole (batch-norm statistics that must follow the
 * new data): the new head alone with the backbone frozen, then the whole network, on augmented images, SGD with
 * momentum, keeping the epoch with the best validation accuracy.
 */
final class ImagesRecipe implements FineTuneRecipe {

    @Override
    public Result train(Input in) {
        FineTuneRequest request = in.request();
        SequentialBlock block = new SequentialBlock().add(in.features()).add(in.head());
        in.model().setBlock(block);
        int bs = in.batchSize();
        TrainingSamples trainSamples = TrainingSamples.images(in.train(), in.normalization(), in.augmentation());
        TrainingSamples validationSamples = TrainingSamples.images(in.validation(), in.normalization(),
                Augmentation.NONE);
        ProgressTracker tracker = in.tracker((long) (in.train().size() / bs) * in.totalEpochs());
        RecipePhases phases = new RecipePhases(in.model(), tracker, in.cancelled(), true);
        if (request.headOnlyEpochs() > 0) {
            freezeBackbone(in.backbone(), true);
            try {
                phases.run("head", trainSamples, validationSamples, sgd(request.headOnlyEpochs(), bs,
                        request.headLearningRate(), 1e-4f, in.augmentation(), request.seed()), Integer.MAX_VALUE);
            } finally {
                freezeBackbone(in.backbone(), false);
            }
        }
        if (request.epochs() > 0 && !in.cancelled().getAsBoolean()) {
            phases.run("full", trainSamples, validationSamples, sgd(request.epochs(), bs, request.learningRate(),
                    5e-4f, in.augmentation(), request.seed() + 1), request.patience());
        }
        return phases.finishWithBest("images: the new head " + request.headOnlyEpochs() + " epochs with the backbone"
                + " frozen, then the whole network", validationSamples, bs, in.augmentation().toString());
    }

    /** The settings of one phase: SGD with momentum 0.9 and no warm-up. */
    private static ClassifierTrainer.Settings sgd(int epochs, int batchSize, float learningRate, float weightDecay,
            Augmentation augmentation, long seed) {
        return ClassifierTrainer.Settings.builder().setEpochs(epochs).setBatchSize(batchSize)
                .setLearningRate(learningRate).optMomentum(0.9f).optWeightDecay(weightDecay)
                .optAugmentation(augmentation).optSeed(seed).build();
    }

    /**
     * Freezes or unfreezes the parameters the optimiser learns. Batch norm's running statistics are left alone:
     * freezing and then unfreezing them would mark them trainable (DJL's {@code Parameter.freeze(false)} sets
     * {@code requiresGradient} on any parameter), after which they stop following the data and the network
     * evaluates new products with the base's statistics (README, Fine-tuning, for what that cost).
     */
    static void freezeBackbone(Block backbone, boolean freeze) {
        backbone.freezeParameters(freeze,
                p -> p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR);
    }
}
