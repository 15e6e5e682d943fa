package io.producttagger.model;

/**
 * A reference to a model as users write it: {@code NAME} or {@code NAME@VERSION}; the one place that text is
 * parsed.
 *
 * @param name the model name
 * @param version the version, or null for "the serving version"
 */
public record ModelRef(String name, String version) {

    /** Validates the parts (no path separators, no dot-dot). */
    public ModelRef {
        try {
            ModelStore.checkName("model name", name);
            if (version != null) {
                ModelStore.checkName("model version", version);
            }
        } catch (IllegalArgumentException e) {
            throw new ModelException.InvalidName(e.getMessage());
        }
    }

    /**
     * Parses {@code NAME} or {@code NAME@VERSION}; null or blank means {@code defaultName}.
     *
     * @throws ModelException.InvalidName when a part is not a valid name
     */
    public static ModelRef parse(String spec, String defaultName) {
        String s = spec == null || spec.isBlank() ? defaultName : spec.trim();
        int at = s == null ? -1 : s.indexOf('@');
        return at < 0 ? new ModelRef(s, null) : new ModelRef(s.substring(0, at), s.substring(at + 1));
    }

    /** Returns {@code NAME} or {@code NAME@VERSION}, as {@link #parse} reads it. */
    @Override
    public String toString() {
        return version == null ? name : name + "@" + version;
    }
}
