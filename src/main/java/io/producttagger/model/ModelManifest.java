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

    /** Returns a copy with another name and version. */
    public ModelManifest withVersion(String newName, String newVersion) {
        return new ModelManifest(newName, newVersion, labels, input, preprocessing, architecture, parameters,
                metrics, training, created);
    }

    /** Returns a copy with the given metrics. */
    public ModelManifest withMetrics(Map<String, Object> newMetrics) {
        return new ModelManifest(name, version, labels, input, preprocessing, architecture, parameters,
                newMetrics, training, created);
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
