package io.producttagger.http;

import io.producttagger.training.loop.FineTuneSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The options of a fine-tune request, read with their types checked, whether they came as a JSON body or as the
 * query parameters of an archive upload: the one place that turns client values into typed settings.
 *
 * <p>Nothing is coerced: a whole-number option must be a whole number that fits its type (so {@code 4294967297}
 * or {@code 1.5} for {@code epochs} is refused, not wrapped or truncated), a text option must be text (so
 * {@code "name": true} is refused, not turned into {@code "true"}), and an explicit JSON {@code null} is refused
 * rather than read as "use the default". In a query every value is text, so numbers and booleans are parsed
 * strictly from it ({@code ?epochs=abc}, {@code ?epochs=}, {@code ?color=maybe} are refused). Unknown option
 * names are refused too, so a misspelt one ({@code epoch}) does not silently train with the default. Each refusal
 * is a 400 naming the option; ranges are checked afterwards by the request itself (422).
 */
final class FineTuneOptions {

    /** Options a query may carry; a JSON body may also carry {@code dataset}. */
    static final Set<String> NAMES = Set.of("baseModel", "name", "recipe", "headOnlyEpochs", "epochs", "headLearningRate",
            "learningRate", "batchSize", "validationFraction", "patience", "seed", "color");

    private final Map<String, Object> values;
    private final boolean text;

    private FineTuneOptions(Map<String, Object> values, boolean text) {
        this.values = values;
        this.text = text;
    }

    /**
     * Reads the options of a JSON body.
     *
     * @throws HttpProblem 400 when the body is not an object or names an unknown option
     */
    static FineTuneOptions json(JsonObject body) {
        if (body == null) {
            throw HttpProblem.badRequest("the body must be a JSON object such as {\"dataset\":{\"folder\":\"shoes\"},"
                    + "\"baseModel\":\"fashion\",\"name\":\"shoes\"}");
        }
        Map<String, Object> values = new LinkedHashMap<>(body.getMap());
        for (String name : values.keySet()) {
            if (!name.equals("dataset")) {
                requireKnown(name);
            }
        }
        return new FineTuneOptions(values, false);
    }

    /**
     * Reads the options of an upload's query string; each may be given once.
     *
     * @throws HttpProblem 400 when an option is unknown or repeated
     */
    static FineTuneOptions query(MultiMap params) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String name : params.names()) {
            requireKnown(name);
            if (params.getAll(name).size() > 1) {
                throw HttpProblem.badRequest("give the option '" + name + "' once, not " + params.getAll(name).size()
                        + " times");
            }
            values.put(name, params.get(name));
        }
        return new FineTuneOptions(values, true);
    }

    private static void requireKnown(String name) {
        if (!NAMES.contains(name)) {
            throw HttpProblem.badRequest("unknown fine-tune option '" + name + "'; the options are dataset (JSON "
                    + "only), " + String.join(", ", new java.util.TreeSet<>(NAMES)));
        }
    }

    /**
     * Returns the typed settings of the given options; an option left out stays unset, for the service to fill in
     * from {@code finetune.*}.
     *
     * @throws HttpProblem 400 when an option has the wrong type or is null
     */
    FineTuneSettings settings() {
        return FineTuneSettings.builder()
                .optBaseModel(string("baseModel", null))
                .optName(string("name", null))
                .optRecipe(string("recipe", null))
                .optHeadOnlyEpochs(has("headOnlyEpochs") ? integer("headOnlyEpochs", 0) : null)
                .optEpochs(has("epochs") ? integer("epochs", 0) : null)
                .optHeadLearningRate(has("headLearningRate") ? (float) decimal("headLearningRate", 0) : null)
                .optLearningRate(has("learningRate") ? (float) decimal("learningRate", 0) : null)
                .optBatchSize(has("batchSize") ? integer("batchSize", 0) : null)
                .optValidationFraction(has("validationFraction") ? decimal("validationFraction", 0) : null)
                .optPatience(has("patience") ? integer("patience", 0) : null)
                .optSeed(has("seed") ? longInteger("seed", 0) : null)
                .optColor(has("color") ? bool("color", false) : null)
                .build();
    }

    /** Returns whether the option was given (a JSON {@code null} counts as given, and is refused when read). */
    boolean has(String name) {
        return values.containsKey(name);
    }

    /** Returns the raw value of an option that is not one of the typed settings (the JSON {@code dataset}). */
    Object raw(String name) {
        return values.get(name);
    }

    /**
     * Returns a text option, or {@code fallback} when absent.
     *
     * @throws HttpProblem 400 when it is null or not text
     */
    String string(String name, String fallback) {
        Object v = present(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String s)) {
            throw wrongType(name, v, "text (a JSON string)");
        }
        return s;
    }

    /**
     * Returns a whole-number option that fits an {@code int}, or {@code fallback} when absent.
     *
     * @throws HttpProblem 400 when it is null, not a number, has a fraction or does not fit an {@code int}
     */
    int integer(String name, int fallback) {
        BigDecimal d = number(name);
        if (d == null) {
            return fallback;
        }
        return (int) whole(name, d, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Returns a whole-number option that fits a {@code long}, or {@code fallback} when absent.
     *
     * @throws HttpProblem 400 when it is null, not a number, has a fraction or does not fit a {@code long}
     */
    long longInteger(String name, long fallback) {
        BigDecimal d = number(name);
        if (d == null) {
            return fallback;
        }
        return whole(name, d, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * Returns a finite decimal option, or {@code fallback} when absent.
     *
     * @throws HttpProblem 400 when it is null, not a number, or beyond the range of a {@code double}
     */
    double decimal(String name, double fallback) {
        BigDecimal d = number(name);
        if (d == null) {
            return fallback;
        }
        double v = d.doubleValue();
        if (Double.isInfinite(v)) {
            throw HttpProblem.badRequest("the option '" + name + "' is " + shortText(d) + ", beyond any usable range; "
                    + "give an ordinary decimal number");
        }
        return v;
    }

    /**
     * Returns a boolean option, or {@code fallback} when absent.
     *
     * @throws HttpProblem 400 when it is null or not {@code true}/{@code false}
     */
    boolean bool(String name, boolean fallback) {
        Object v = present(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (text && v instanceof String s && (s.equals("true") || s.equals("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw wrongType(name, v, "true or false");
    }

    /** The value of a present option; null when absent; a 400 when present but null. */
    private Object present(String name) {
        if (!values.containsKey(name)) {
            return null;
        }
        Object v = values.get(name);
        if (v == null) {
            throw HttpProblem.badRequest("the option '" + name + "' is null; give a value or leave it out to use "
                    + "the default");
        }
        return v;
    }

    private BigDecimal number(String name) {
        Object v = present(name);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n && !text) {
            if (n instanceof Double x && !Double.isFinite(x) || n instanceof Float f && !Float.isFinite(f)) {
                throw wrongType(name, v, "a finite number");
            }
            return n instanceof BigDecimal b ? b : new BigDecimal(n.toString());
        }
        if (v instanceof String s && text) {
            try {
                // BigDecimal's grammar: no spaces, no hex, no "NaN"/"Infinity", no leading '+' surprises beyond sign
                return new BigDecimal(s);
            } catch (NumberFormatException e) {
                throw wrongType(name, v, "a number");
            }
        }
        throw wrongType(name, v, "a number (a JSON number, not a string)");
    }

    private static long whole(String name, BigDecimal d, long min, long max) {
        BigDecimal w;
        try {
            w = d.stripTrailingZeros();
            if (w.scale() > 0) {
                throw HttpProblem.badRequest("the option '" + name + "' must be a whole number, got " + shortText(d));
            }
        } catch (ArithmeticException e) {
            throw HttpProblem.badRequest("the option '" + name + "' must be a whole number, got " + shortText(d));
        }
        if (w.compareTo(BigDecimal.valueOf(min)) < 0 || w.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw HttpProblem.badRequest("the option '" + name + "' is " + shortText(d) + ", outside the range of a "
                    + (max == Integer.MAX_VALUE ? "32" : "64") + "-bit whole number; give a value in its range");
        }
        return w.longValueExact();
    }

    private static HttpProblem wrongType(String name, Object v, String expected) {
        String given = v instanceof String s ? "'" + shortText(s) + "'" : v instanceof Map || v instanceof JsonObject
                ? "an object" : v instanceof java.util.List || v instanceof io.vertx.core.json.JsonArray ? "an array"
                : shortText(v);
        return HttpProblem.badRequest("the option '" + name + "' must be " + expected + ", got " + given);
    }

    /** A value for a message, cut short so a hostile megabyte does not come back in the answer. */
    private static String shortText(Object v) {
        // BigDecimal.toString, unlike toPlainString, never spells out the zeros of 1e999999999
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
