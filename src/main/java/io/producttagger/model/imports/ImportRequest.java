package io.producttagger.model.imports;

import java.nio.file.Path;

/**
 * What to import from a source file.
 *
 * @param name the model to publish under (its next version), or null for the name the known source suggests
 * @param backbone whether to publish only the features, as a base to fine-tune from, when the source is a whole
 *     classifier (a source that is a backbone already is published as one either way)
 * @param inputSize the side of the square input, or 0 for the source's own
 * @param labels the labels file of a classifier, or null for the one next to the source
 */
public record ImportRequest(String name, boolean backbone, int inputSize, Path labels) {

    /** Validates the input size. */
    public ImportRequest {
        if (inputSize != 0 && (inputSize < 32 || inputSize > 1024)) {
            throw new IllegalArgumentException("the input size must be 32 to 1024 pixels, got " + inputSize);
        }
    }

    /** Returns {@code name}, or {@code suggested} when no name was asked for. */
    public String nameOr(String suggested) {
        return name == null || name.isBlank() ? suggested : name;
    }

    /** Returns {@code inputSize}, or {@code own} when none was asked for. */
    public int inputSizeOr(int own) {
        return inputSize == 0 ? own : inputSize;
    }
}
