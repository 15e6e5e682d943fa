package io.producttagger.training.loop;

import io.producttagger.config.TaggerConfig;
import io.producttagger.training.TrainingException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What to fine-tune: a base model version, a folder of labelled images, and the training settings.
 *
 * <p>Build one with {@link #builder(TaggerConfig.FineTune)}: the data set and the base are required, every
 * setting left out takes its default from the {@code finetune.*} configuration (the one place defaults live).
 *
 * @param dataset the data set folder ({@code LABEL/IMAGE.jpg}), already resolved under the data root
 * @param datasetName how the data set was named by the client, for the report
 * @param baseModel the model whose backbone training starts from
 * @param baseVersion its version, or null for its serving version
 * @param name the model to publish the result under (its next version)
 * @param recipe how to train ({@link Recipe#AUTO}: the best the base's family supports)
 * @param headOnlyEpochs epochs training only the new head (backbone frozen); null for the recipe's default
 * @param epochs further epochs training everything that trains; null for the recipe's default
 * @param headLearningRate learning rate of the head; null for the recipe's default
 * @param learningRate learning rate of the trained backbone layers; null for the recipe's default
 * @param batchSize images per step; null for the recipe's default
 * @param validationFraction fraction of each label held out for validation
 * @param minImagesPerLabel fewest images a label may have
 * @param patience whole-network epochs without a better validation accuracy before training stops early
 * @param seed seed of the split, shuffling and augmentation
 * @param color whether a grayscale base becomes a colour model (luminance into the base's convolutions, a learnt
 *     colour histogram beside them); ignored when the base already takes colour
 */
public record FineTuneRequest(Path dataset, String datasetName, String baseModel, String baseVersion, String name,
        Recipe recipe, Integer headOnlyEpochs, Integer epochs, Float headLearningRate, Float learningRate,
        Integer batchSize, double validationFraction, int minImagesPerLabel, int patience, long seed, boolean color) {

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
        if (recipe == null) {
            throw new TrainingException.Invalid("a fine-tune needs a recipe (auto for the base's best)");
        }
        if (headOnlyEpochs != null && epochs != null && (headOnlyEpochs < 0 || epochs < 0
                || headOnlyEpochs + epochs < 1 || headOnlyEpochs + epochs > 1000)) {
            throw new TrainingException.Invalid("headOnlyEpochs and epochs must be >= 0 with 1 to 1000 in total, got "
                    + headOnlyEpochs + " and " + epochs);
        }
        for (var n : new Object[][] {{"headOnlyEpochs", headOnlyEpochs}, {"epochs", epochs}}) {
            Integer value = (Integer) n[1];
            if (value != null && (value < 0 || value > 1000)) {
                throw new TrainingException.Invalid(n[0] + " must be 0 to 1000 (headOnlyEpochs + epochs 1 to 1000 in "
                        + "total), got " + value);
            }
        }
        if (headLearningRate != null && !(headLearningRate > 0 && headLearningRate <= 10)) {
            throw new TrainingException.Invalid("headLearningRate must be in (0, 10], got " + headLearningRate);
        }
        if (learningRate != null && !(learningRate > 0 && learningRate <= 10)) {
            throw new TrainingException.Invalid("learningRate must be in (0, 10], got " + learningRate);
        }
        if (batchSize != null && (batchSize < 1 || batchSize > 4096)) {
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

    /**
     * Returns what was asked as clients and the job file show it (a job's {@code request}): the data set as named,
     * the base as {@code NAME[@VERSION]}, the target name and every training setting, defaults filled in. The
     * admin OpenAPI's {@code FineTuneJob.request} lists exactly these keys ({@code FineTuneDocumentsTest}).
     */
    public Map<String, Object> described() {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("dataset", datasetName);
        described.put("baseModel", baseSpec());
        described.put("name", name);
        described.put("recipe", recipe.id());
        described.put("headOnlyEpochs", headOnlyEpochs);
        described.put("epochs", epochs);
        described.put("headLearningRate", headLearningRate);
        described.put("learningRate", learningRate);
        described.put("batchSize", batchSize);
        described.put("validationFraction", validationFraction);
        described.put("minImagesPerLabel", minImagesPerLabel);
        described.put("patience", patience);
        described.put("seed", seed);
        described.put("color", color);
        return described;
    }

    /**
     * Returns whether the recipe and every setting are known: {@link #resolved} made this request, or the client
     * gave them all.
     */
    public boolean isResolved() {
        return recipe != Recipe.AUTO && headOnlyEpochs != null && epochs != null && headLearningRate != null
                && learningRate != null && batchSize != null;
    }

    /**
     * Returns this request for the recipe that runs: {@code concrete} in place of {@link Recipe#AUTO}, every
     * setting left to the recipe filled in from its {@link Recipe#defaults()}.
     *
     * @throws TrainingException.Invalid when the settings are out of range together
     */
    public FineTuneRequest resolved(Recipe concrete) {
        Recipe.Defaults d = concrete.defaults();
        return new FineTuneRequest(dataset, datasetName, baseModel, baseVersion, name, concrete,
                headOnlyEpochs != null ? headOnlyEpochs : d.headOnlyEpochs(), epochs != null ? epochs : d.epochs(),
                headLearningRate != null ? headLearningRate : d.headLearningRate(),
                learningRate != null ? learningRate : d.learningRate(), batchSize != null ? batchSize : d.batchSize(),
                validationFraction, minImagesPerLabel, patience, seed, color);
    }

    /** Returns the base as users write it: {@code NAME} or {@code NAME@VERSION}. */
    public String baseSpec() {
        return baseModel + (baseVersion == null ? "" : "@" + baseVersion);
    }

    /**
     * Starts a request whose optional settings default to the given fine-tune configuration.
     *
     * @param defaults {@code finetune.*}: the epochs, rates, batch size, validation fraction, patience, seed, colour
     *     and fewest images per label a request that does not set them gets
     */
    public static Builder builder(TaggerConfig.FineTune defaults) {
        return new Builder(defaults);
    }

    /** Starts a request whose optional settings take the documented defaults of the configuration table. */
    public static Builder builder() {
        return builder(TaggerConfig.defaults().fineTune());
    }

    /**
     * Builds a {@link FineTuneRequest}: {@code set*} for the data set and base (required), {@code opt*} for the
     * rest.
     */
    public static final class Builder {
        private Path dataset;
        private String datasetName;
        private String baseModel;
        private String baseVersion;
        private String name;
        private Recipe recipe;
        private Integer headOnlyEpochs;
        private Integer epochs;
        private Float headLearningRate;
        private Float learningRate;
        private Integer batchSize;
        private double validationFraction;
        private int minImagesPerLabel;
        private int patience;
        private long seed;
        private boolean color;

        private Builder(TaggerConfig.FineTune defaults) {
            recipe = Recipe.parse(defaults.recipe());
            headOnlyEpochs = defaults.headOnlyEpochs();
            epochs = defaults.epochs();
            headLearningRate = defaults.headLearningRate();
            learningRate = defaults.learningRate();
            batchSize = defaults.batchSize();
            validationFraction = defaults.validationFraction();
            minImagesPerLabel = defaults.minImagesPerLabel();
            patience = defaults.patience();
            seed = defaults.seed();
            color = defaults.color();
        }

        /**
         * Sets the data set (required).
         *
         * @param folder the folder or manifest, already resolved (under the data root, for the API)
         * @param shownAs how the client named it, for the job and the report
         */
        public Builder setDataset(Path folder, String shownAs) {
            this.dataset = folder;
            this.datasetName = shownAs;
            return this;
        }

        /** Sets the data set (required), shown as its path. */
        public Builder setDataset(Path folder) {
            return setDataset(folder, folder == null ? null : folder.toString());
        }

        /**
         * Sets the base model (required).
         *
         * @param model its name
         * @param version its version, or null for its serving version
         */
        public Builder setBase(String model, String version) {
            this.baseModel = model;
            this.baseVersion = version;
            return this;
        }

        /** Sets the model to publish under; without it, the base's name. */
        public Builder optName(String modelName) {
            this.name = modelName;
            return this;
        }

        /** Sets the recipe ({@code finetune.recipe}). */
        public Builder optRecipe(Recipe value) {
            this.recipe = value;
            return this;
        }

        /** Sets the head-only epochs ({@code finetune.head-only-epochs}). */
        public Builder optHeadOnlyEpochs(int n) {
            this.headOnlyEpochs = n;
            return this;
        }

        /** Sets the whole-network epochs ({@code finetune.epochs}). */
        public Builder optEpochs(int n) {
            this.epochs = n;
            return this;
        }

        /** Sets the head-only learning rate ({@code finetune.head-learning-rate}). */
        public Builder optHeadLearningRate(float rate) {
            this.headLearningRate = rate;
            return this;
        }

        /** Sets the whole-network learning rate ({@code finetune.learning-rate}). */
        public Builder optLearningRate(float rate) {
            this.learningRate = rate;
            return this;
        }

        /** Sets the images per step ({@code finetune.batch-size}). */
        public Builder optBatchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /** Sets the fraction of each label held out ({@code finetune.validation-fraction}). */
        public Builder optValidationFraction(double fraction) {
            this.validationFraction = fraction;
            return this;
        }

        /** Sets the fewest images a label may have ({@code finetune.min-images-per-label}). */
        public Builder optMinImagesPerLabel(int n) {
            this.minImagesPerLabel = n;
            return this;
        }

        /** Sets the early-stopping patience ({@code finetune.patience}). */
        public Builder optPatience(int epochsWithoutBetter) {
            this.patience = epochsWithoutBetter;
            return this;
        }

        /** Sets the seed ({@code finetune.seed}). */
        public Builder optSeed(long value) {
            this.seed = value;
            return this;
        }

        /** Sets whether a grayscale base becomes a colour model ({@code finetune.color}). */
        public Builder optColor(boolean value) {
            this.color = value;
            return this;
        }

        /**
         * Builds the request.
         *
         * @throws TrainingException.Invalid when a required part is missing or a setting is out of range
         */
        public FineTuneRequest build() {
            validate();
            return new FineTuneRequest(dataset, datasetName, baseModel, baseVersion, name, recipe, headOnlyEpochs, epochs,
                    headLearningRate, learningRate, batchSize, validationFraction, minImagesPerLabel, patience, seed,
                    color);
        }

        private void validate() {
            if (dataset == null) {
                throw new TrainingException.Invalid("a fine-tune needs a data set (setDataset)");
            }
            if (baseModel == null || baseModel.isBlank()) {
                throw new TrainingException.Invalid("a fine-tune needs a base model (setBase)");
            }
            // the ranges are the record's own check, so a request made either way is held to the same rules
        }
    }
}
