package io.producttagger.training.loop;

import io.producttagger.training.TrainingException;

import java.nio.file.Path;

/**
 * What to fine-tune: a base model version, a folder of labelled images, and the training settings.
 *
 * @param dataset the data set folder ({@code LABEL/IMAGE.jpg}), already resolved under the data root
 * @param datasetName how the data set was named by the client, for the report
 * @param baseModel the model whose backbone training starts from
 * @param baseVersion its version, or null for its serving version
 * @param name the model to publish the result under (its next version)
 * @param headOnlyEpochs epochs training only the new head (backbone frozen) at {@code headLearningRate}
 * @param epochs further epochs training the whole network at {@code learningRate}
 * @param headLearningRate learning rate of the head-only phase
 * @param learningRate learning rate of the whole-network phase
 * @param batchSize images per step
 * @param validationFraction fraction of each label held out for validation
 * @param minImagesPerLabel fewest images a label may have
 * @param patience whole-network epochs without a better validation accuracy before training stops early
 * @param seed seed of the split, shuffling and augmentation
 * @param color whether a grayscale base becomes a colour model (luminance into the base's convolutions, a learnt
 *     colour histogram beside them); ignored when the base already takes colour
 */
public record FineTuneRequest(Path dataset, String datasetName, String baseModel, String baseVersion, String name,
        int headOnlyEpochs, int epochs, float headLearningRate, float learningRate, int batchSize,
        double validationFraction, int minImagesPerLabel, int patience, long seed, boolean color) {

    /** Default head-only epochs. */
    public static final int HEAD_ONLY_EPOCHS = 3;
    /** Default whole-network epochs. */
    public static final int EPOCHS = 20;
    /** Default head-only learning rate. */
    public static final float HEAD_LEARNING_RATE = 0.05f;
    /** Default whole-network learning rate. */
    public static final float LEARNING_RATE = 0.03f;
    /** Default batch size. */
    public static final int BATCH_SIZE = 16;
    /** Default validation fraction. */
    public static final double VALIDATION_FRACTION = 0.2;
    /** Default: make a colour model from a grayscale base (catalog photos are in colour). */
    public static final boolean COLOR = true;
    /** Default early-stopping patience. */
    public static final int PATIENCE = 10;

    /**
     * Validates the settings.
     *
     * @throws TrainingException.Invalid naming the setting that is out of range
     */
    public FineTuneRequest {
        if (dataset == null || baseModel == null || baseModel.isBlank()) {
            throw new TrainingException.Invalid("a fine-tune needs a data set and a base model");
        }
        if (name == null || name.isBlank()) {
            name = baseModel;
        }
        if (headOnlyEpochs < 0 || epochs < 0 || headOnlyEpochs + epochs < 1 || headOnlyEpochs + epochs > 1000) {
            throw new TrainingException.Invalid("headOnlyEpochs and epochs must be >= 0 with 1 to 1000 in total, got "
                    + headOnlyEpochs + " and " + epochs);
        }
        if (!(headLearningRate > 0 && headLearningRate <= 10)) {
            throw new TrainingException.Invalid("headLearningRate must be in (0, 10], got " + headLearningRate);
        }
        if (!(learningRate > 0 && learningRate <= 10)) {
            throw new TrainingException.Invalid("learningRate must be in (0, 10], got " + learningRate);
        }
        if (batchSize < 1 || batchSize > 4096) {
            throw new TrainingException.Invalid("batchSize must be 1 to 4096, got " + batchSize);
        }
        if (!(validationFraction > 0 && validationFraction < 0.9)) {
            throw new TrainingException.Invalid("validationFraction must be in (0, 0.9), got " + validationFraction);
        }
        if (minImagesPerLabel < 2) {
            throw new TrainingException.Invalid("minImagesPerLabel must be >= 2, got " + minImagesPerLabel);
        }
        if (patience < 1) {
            throw new TrainingException.Invalid("patience must be >= 1, got " + patience);
        }
    }

    /** A request with the default settings. */
    public static FineTuneRequest of(Path dataset, String baseModel, String name, int minImagesPerLabel) {
        return new FineTuneRequest(dataset, dataset.toString(), baseModel, null, name, HEAD_ONLY_EPOCHS, EPOCHS,
                HEAD_LEARNING_RATE, LEARNING_RATE, BATCH_SIZE, VALIDATION_FRACTION, minImagesPerLabel, PATIENCE, 42, COLOR);
    }
}
