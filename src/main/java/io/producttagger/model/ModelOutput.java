package io.producttagger.model;

/**
 * What a loaded version answers for each image, chosen when the version is loaded: the parameter that, with the
 * block, makes up a DJL {@code Criteria} (the block stays the family's; only the part that runs and the
 * {@code Translator}'s output step change).
 */
public enum ModelOutput {
    /** One softmax probability per label: the whole network, features then head. */
    LABEL_SCORES,
    /** The backbone's pooled features, L2-normalised to length 1: the features block alone, no head. */
    EMBEDDING,
    /**
     * A near-duplicate descriptor of length 1 (for {@code dedupe}): the last feature map pooled over four
     * overlapping regions, and the foreground's hue, so that layout and colour count ({@link DuplicateDescriptor});
     * only for families with a graph form that writes their feature map ({@link Architecture#writeFeatureMap}).
     */
    DUPLICATES
}
