package io.producttagger.training.loop;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelException;
import io.producttagger.model.ModelRef;
import io.producttagger.training.TrainingException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a client asks of a fine-tune apart from its data set: the base, the target name and the training
 * settings, each null when not given, so the {@code finetune.*} configuration fills it in. An archive upload
 * carries these beside its bytes; a JSON request carries them beside a data set path.
 *
 * @param baseModel the base as {@code NAME} or {@code NAME@VERSION}; null for {@code finetune.base-model}
 * @param name the model to publish under; null for the base's name
 * @param recipe {@link Recipe#id} of the recipe; null for {@code finetune.recipe}
 * @param headOnlyEpochs null for {@code finetune.head-only-epochs}
 * @param epochs null for {@code finetune.epochs}
 * @param headLearningRate null for {@code finetune.head-learning-rate}
 * @param learningRate null for {@code finetune.learning-rate}
 * @param batchSize null for {@code finetune.batch-size}
 * @param validationFraction null for {@code finetune.validation-fraction}
 * @param patience null for {@code finetune.patience}
 * @param seed null for {@code finetune.seed}
 * @param color null for {@code finetune.color}
 */
public record FineTuneSettings(String baseModel, String name, String recipe, Integer headOnlyEpochs, Integer epochs,
        Float headLearningRate, Float learningRate, Integer batchSize, Double validationFraction, Integer patience,
        Long seed, Boolean color) {

    /** Settings that leave everything to the configuration. */
    public static final FineTuneSettings DEFAULTS = builder().build();

    /**
     * Returns the request these settings make for a data set, with every setting not given taken from the
     * configuration (base model, fewest images per label, epochs, rates, ...).
     *
     * @param defaults {@code finetune.*}
     * @param dataset the data set, already resolved
     * @param shownAs how the client named it
     * @throws TrainingException.Invalid when the base is blank or cannot name a model, or a setting is out of range
     */
    public FineTuneRequest toRequest(TaggerConfig.FineTune defaults, Path dataset, String shownAs) {
        String base = baseModel != null ? baseModel : defaults.baseModel();
        if (base.isBlank()) {
            throw new TrainingException.Invalid("\"baseModel\" is blank: name the model to start from (e.g. "
                    + "\"fashion\"), or leave it out to start from the default base, " + defaults.baseModel());
        }
        ModelRef ref;
        try {
            ref = ModelRef.parse(base, null);
        } catch (ModelException.InvalidName e) {
            // a base that cannot name a model is a request that cannot run, as an unknown base is
            throw new TrainingException.Invalid("unknown base model '" + base + "': " + e.getMessage());
        }
        FineTuneRequest.Builder b = FineTuneRequest.builder(defaults).setDataset(dataset, shownAs)
                .setBase(ref.name(), ref.version()).optName(name != null ? name : ref.name());
        Optional.ofNullable(recipe).map(Recipe::parse).ifPresent(b::optRecipe);
        Optional.ofNullable(headOnlyEpochs).ifPresent(b::optHeadOnlyEpochs);
        Optional.ofNullable(epochs).ifPresent(b::optEpochs);
        Optional.ofNullable(headLearningRate).ifPresent(b::optHeadLearningRate);
        Optional.ofNullable(learningRate).ifPresent(b::optLearningRate);
        Optional.ofNullable(batchSize).ifPresent(b::optBatchSize);
        Optional.ofNullable(validationFraction).ifPresent(b::optValidationFraction);
        Optional.ofNullable(patience).ifPresent(b::optPatience);
        Optional.ofNullable(seed).ifPresent(b::optSeed);
        Optional.ofNullable(color).ifPresent(b::optColor);
        return b.build();
    }

    /** Starts settings with nothing given. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link FineTuneSettings}; every part is optional, and an {@code opt*} given null leaves it unset. */
    public static final class Builder {
        private String baseModel;
        private String name;
        private String recipe;
        private Integer headOnlyEpochs;
        private Integer epochs;
        private Float headLearningRate;
        private Float learningRate;
        private Integer batchSize;
        private Double validationFraction;
        private Integer patience;
        private Long seed;
        private Boolean color;

        private Builder() {}

        /** Sets the base, {@code NAME} or {@code NAME@VERSION}. */
        public Builder optBaseModel(String value) {
            this.baseModel = value;
            return this;
        }

        /** Sets the model to publish under. */
        public Builder optName(String value) {
            this.name = value;
            return this;
        }

        /** Sets the recipe by its id ({@code auto}, {@code tail}, {@code probe}, {@code images}). */
        public Builder optRecipe(String value) {
            this.recipe = value;
            return this;
        }

        /** Sets the head-only epochs. */
        public Builder optHeadOnlyEpochs(Integer value) {
            this.headOnlyEpochs = value;
            return this;
        }

        /** Sets the whole-network epochs. */
        public Builder optEpochs(Integer value) {
            this.epochs = value;
            return this;
        }

        /** Sets the head-only learning rate. */
        public Builder optHeadLearningRate(Float value) {
            this.headLearningRate = value;
            return this;
        }

        /** Sets the whole-network learning rate. */
        public Builder optLearningRate(Float value) {
            this.learningRate = value;
            return this;
        }

        /** Sets the images per step. */
        public Builder optBatchSize(Integer value) {
            this.batchSize = value;
            return this;
        }

        /** Sets the fraction of each label held out. */
        public Builder optValidationFraction(Double value) {
            this.validationFraction = value;
            return this;
        }

        /** Sets the early-stopping patience. */
        public Builder optPatience(Integer value) {
            this.patience = value;
            return this;
        }

        /** Sets the seed. */
        public Builder optSeed(Long value) {
            this.seed = value;
            return this;
        }

        /** Sets whether a grayscale base becomes a colour model. */
        public Builder optColor(Boolean value) {
            this.color = value;
            return this;
        }

        /** Builds the settings; the ranges are checked when they become a request ({@link FineTuneSettings#toRequest}). */
        public FineTuneSettings build() {
            validate();
            return new FineTuneSettings(baseModel, name, recipe, headOnlyEpochs, epochs, headLearningRate, learningRate,
                    batchSize, validationFraction, patience, seed, color);
        }

        private void validate() {
            // nothing is required; a setting out of range is refused by the request it makes, with the same message
            // whether it came from the API or the command line
        }
    }
}
