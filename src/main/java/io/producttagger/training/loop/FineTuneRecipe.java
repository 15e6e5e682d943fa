package io.producttagger.training.loop;

import io.producttagger.training.data.LabeledImages;

import ai.djl.Model;
import ai.djl.nn.Block;
import io.producttagger.model.Architecture;
import io.producttagger.vision.Normalization;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * How a fine-tune trains once its base is loaded and its images decoded: one implementation per recipe, chosen by
 * {@link FineTune} from the request and the base's family ({@link Recipe}). A recipe trains the parameters of
 * {@link Input#features()} and {@link Input#head()} in place; {@link FineTune} then publishes them as one block.
 */
interface FineTuneRecipe {

    /**
     * Trains.
     *
     * @throws io.producttagger.training.TrainingException when the run cannot train or was cancelled
     */
    Result train(Input in);

    /**
     * What a recipe works on.
     *
     * @param request the settings (epochs, rates, batch size, patience, seed)
     * @param model the model whose manager holds the parameters; a recipe sets its block to what it trains
     * @param architecture the family of the version being made
     * @param backbone the layers that come trained from the base
     * @param features the new version's features (the backbone, adapted to the new architecture)
     * @param head the new version's head
     * @param newHead whether the head is new (initialised by the recipe) rather than the base's trained one
     * @param normalization how images become tensors
     * @param train the training images
     * @param validation the validation images
     * @param augmentation what may be done to a training image
     * @param progress where steps and epochs are reported
     * @param startNanos when the run started ({@link System#nanoTime}), for the time left
     * @param cancelled polled between steps
     */
    record Input(FineTuneRequest request, Model model, Architecture architecture, Block backbone, Block features,
            Block head, boolean newHead, Normalization normalization, LabeledImages train, LabeledImages validation,
            Augmentation augmentation, Consumer<FineTune.Progress> progress, long startNanos, BooleanSupplier cancelled) {

        /** The images per step: the request's, at most the training set. */
        int batchSize() {
            return Math.min(request.batchSize(), train.size());
        }

        /** The epochs of both phases: head only, then with the trained layers. */
        int totalEpochs() {
            return request.headOnlyEpochs() + request.epochs();
        }

        /** A progress tracker over {@code totalSteps} steps of {@link #totalEpochs} epochs. */
        ProgressTracker tracker(long totalSteps) {
            return new ProgressTracker(progress, totalEpochs(), totalSteps, startNanos);
        }
    }

    /**
     * What a recipe produced: the blocks it trained now hold the parameters to publish.
     *
     * @param recipe how it trained, for the manifest
     * @param evaluation the validation evaluation of those parameters
     * @param history every epoch of every phase
     * @param bestEpoch the epoch whose parameters are published
     * @param batchSize the samples per step it trained with
     * @param augmentation what it did to the training images, for the manifest
     */
    record Result(String recipe, Evaluation evaluation, List<ClassifierTrainer.EpochSummary> history, int bestEpoch,
            int batchSize, String augmentation) {}
}
