package io.producttagger.model;

import io.producttagger.vision.PreprocessingStep;
import java.util.List;
import java.util.Map;

/**
 * The {@code model.json} of one model version: what the parameters mean and how they were made.
 *
 * @param name the model name, a folder under {@code model-zoo/}
 * @param version the version, a folder under the model's folder
 * @param labels the category each output index stands for; none for a backbone (a base to fine-tune from, whose
 *     parameters hold only the features)
 * @param input the tensor the network takes
 * @param preprocessing the steps that bring a decoded photo to the input tensor, last step {@code normalize}
 * @param architecture how to rebuild the network the parameters belong to
 * @param parameters the parameter file's base name (DJL appends {@code -0000.params})
 * @param metrics evaluation figures on the model's test set (e.g. {@code top1})
 * @param training how it was trained: data set, settings, duration
 * @param created when the version was made, ISO-8601
 */
public record ModelManifest(
        String name,
        String version,
        List<String> labels,
        InputSpec input,
        List<PreprocessingStep> preprocessing,
        Architecture architecture,
        String parameters,
        Map<String, Object> metrics,
        Map<String, Object> training,
        String created) {

    /** The manifest's file name inside a version folder. */
    public static final String FILE = "model.json";

    /** Validates the manifest and copies its collections. */
    public ModelManifest {
        ModelStore.checkName("model name", name);
        ModelStore.checkName("model version", version);
        if (labels == null || labels.size() == 1) {
            throw new IllegalArgumentException("a model needs at least two labels (or none, for a backbone)");
        }
        if (input == null || architecture == null) {
            throw new IllegalArgumentException("a model manifest needs an input spec and an architecture");
        }
        labels = List.copyOf(labels);
        preprocessing = preprocessing == null ? List.of() : List.copyOf(preprocessing);
        parameters = parameters == null ? "model" : parameters;
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        training = training == null ? Map.of() : Map.copyOf(training);
    }

    /** Returns the normalisation its last preprocessing step declares (plain scaling to [0, 1] without one). */
    public io.producttagger.vision.Normalization normalization() {
        PreprocessingStep last = preprocessing.isEmpty() ? null : preprocessing.get(preprocessing.size() - 1);
        return io.producttagger.vision.Normalization.from(
                last != null && io.producttagger.vision.Normalization.OP.equals(last.op()) ? last
                        : PreprocessingStep.of(io.producttagger.vision.Normalization.OP), input.channels());
    }

    /** Returns whether this is a backbone: features without labels or a head, a base to fine-tune from. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isBackbone() {
        return labels.isEmpty();
    }

    /**
     * Starts a manifest: name, version, labels, input and architecture are required; preprocessing, parameter file
     * name ({@code model}), metrics, training and creation time (now) are optional.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding this manifest's parts, to make a changed copy. */
    public Builder toBuilder() {
        return builder().setName(name).setVersion(version).setLabels(labels).setInput(input)
                .setArchitecture(architecture).optPreprocessing(preprocessing).optParameters(parameters)
                .optMetrics(metrics).optTraining(training).optCreated(created);
    }

    /** Builds a {@link ModelManifest}: {@code set*} for the required parts, {@code opt*} for the rest. */
    public static final class Builder {
        private String name;
        private String version;
        private List<String> labels;
        private InputSpec input;
        private List<PreprocessingStep> preprocessing = List.of();
        private Architecture architecture;
        private String parameters = "model";
        private Map<String, Object> metrics = Map.of();
        private Map<String, Object> training = Map.of();
        private String created;

        private Builder() {}

        /** Sets the model name (required). */
        public Builder setName(String value) {
            this.name = value;
            return this;
        }

        /** Sets the version (required). */
        public Builder setVersion(String value) {
            this.version = value;
            return this;
        }

        /** Sets the labels (required): at least two, or none for a backbone. */
        public Builder setLabels(List<String> value) {
            this.labels = value;
            return this;
        }

        /** Sets the tensor the network takes (required). */
        public Builder setInput(InputSpec value) {
            this.input = value;
            return this;
        }

        /** Sets how to rebuild the network (required). */
        public Builder setArchitecture(Architecture value) {
            this.architecture = value;
            return this;
        }

        /** Sets the steps from decoded photo to input tensor; none by default. */
        public Builder optPreprocessing(List<PreprocessingStep> value) {
            this.preprocessing = value;
            return this;
        }

        /** Sets the parameter file's base name; {@code model} by default. */
        public Builder optParameters(String value) {
            this.parameters = value;
            return this;
        }

        /** Sets the evaluation figures; none by default. */
        public Builder optMetrics(Map<String, Object> value) {
            this.metrics = value;
            return this;
        }

        /** Sets how it was trained; nothing by default. */
        public Builder optTraining(Map<String, Object> value) {
            this.training = value;
            return this;
        }

        /** Sets when the version was made (ISO-8601); the time of {@link #build()} by default. */
        public Builder optCreated(String value) {
            this.created = value;
            return this;
        }

        /**
         * Builds the manifest.
         *
         * @throws IllegalArgumentException when a required part is missing or a name or label count is invalid
         */
        public ModelManifest build() {
            validate();
            return new ModelManifest(name, version, labels, input, preprocessing, architecture, parameters, metrics,
                    training, created == null ? java.time.Instant.now().toString() : created);
        }

        private void validate() {
            if (name == null || version == null || labels == null || input == null || architecture == null) {
                throw new IllegalArgumentException("a model manifest needs a name, a version, labels, an input spec "
                        + "and an architecture (setName, setVersion, setLabels, setInput, setArchitecture)");
            }
        }
    }

    /**
     * The tensor shape a model takes.
     *
     * @param width pixels across
     * @param height pixels down
     * @param channels 1 for grayscale, 3 for RGB
     */
    public record InputSpec(int width, int height, int channels) {
        /** Validates the sizes. */
        public InputSpec {
            if (width < 1 || height < 1 || (channels != 1 && channels != 3)) {
                throw new IllegalArgumentException("input must be at least 1x1 with 1 or 3 channels");
            }
        }
    }
}
