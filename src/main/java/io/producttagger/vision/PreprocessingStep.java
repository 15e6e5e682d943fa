package io.producttagger.vision;

import java.util.List;
import java.util.Map;

/**
 * One preprocessing step as a model manifest declares it: an operation name and its parameters.
 *
 * @param op the operation, one of the names {@link Preprocessor} knows
 * @param params the operation's parameters (numbers, strings or lists of numbers)
 */
public record PreprocessingStep(String op, Map<String, Object> params) {

    /** Creates a step, treating missing parameters as none. */
    public PreprocessingStep {
        params = params == null ? Map.of() : Map.copyOf(params);
    }

    /** Creates a step without parameters. */
    public static PreprocessingStep of(String op) {
        return new PreprocessingStep(op, Map.of());
    }

    /** Creates a step with parameters. */
    public static PreprocessingStep of(String op, Map<String, Object> params) {
        return new PreprocessingStep(op, params);
    }

    /** Returns a numeric parameter, or the default when absent. */
    public double number(String key, double defaultValue) {
        Object v = params.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalStateException("preprocessing step '" + op + "': parameter '" + key
                + "' must be a number, got " + v);
    }

    /** Returns a list-of-numbers parameter as floats, or the default when absent. */
    public float[] numbers(String key, float[] defaultValue) {
        Object v = params.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof List<?> list) {
            float[] out = new float[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Number n)) {
                    throw new IllegalStateException("preprocessing step '" + op + "': parameter '" + key
                            + "' must be a list of numbers, got " + v);
                }
                out[i] = n.floatValue();
            }
            return out;
        }
        if (v instanceof Number n) {
            return new float[] {n.floatValue()};
        }
        throw new IllegalStateException("preprocessing step '" + op + "': parameter '" + key
                + "' must be a list of numbers, got " + v);
    }
}
