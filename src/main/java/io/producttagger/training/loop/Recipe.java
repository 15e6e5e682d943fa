package io.producttagger.training.loop;

import io.producttagger.model.Architecture;
import io.producttagger.training.TrainingException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The fine-tune recipes a request can ask for ({@code recipe}); {@link #AUTO}, the default, picks the best one the
 * base's family supports.
 */
public enum Recipe {
    /**
     * {@link #TAIL} when the family has a trainable tail, else {@link #PROBE} when its features cache, else
     * {@link #IMAGES}.
     */
    AUTO(null),
    /**
     * The frozen front of the backbone runs once per image and its activations are cached; the backbone's last
     * layers and a new zero-initialised head train together on them (AdamW, cosine schedule, fixed epochs), with
     * the settings the README's Fine-tuning section measures.
     */
    TAIL(new Defaults(0, 30, 0.01f, 1e-4f, 32)),
    /**
     * The whole backbone runs once per image; a linear head (a logistic regression) trains on the pooled
     * features: the fast fallback, at the tail recipe's head settings.
     */
    PROBE(new Defaults(0, 30, 0.01f, 1e-4f, 32)),
    /**
     * Whole images with augmentation: the head alone, then the whole network (families with batch statistics),
     * SGD with momentum.
     */
    IMAGES(new Defaults(3, 20, 0.05f, 0.03f, 16));

    /**
     * A recipe's settings when neither the request nor the configuration gives them.
     *
     * @param headOnlyEpochs epochs training the head alone
     * @param epochs further epochs training everything that trains
     * @param headLearningRate the head's rate
     * @param learningRate the trained backbone layers' rate
     * @param batchSize images per step
     */
    public record Defaults(int headOnlyEpochs, int epochs, float headLearningRate, float learningRate,
            int batchSize) {}

    private final Defaults defaults;

    Recipe(Defaults defaults) {
        this.defaults = defaults;
    }

    /**
     * Returns this recipe's default settings.
     *
     * @throws IllegalStateException for {@link #AUTO}, which has none until resolved
     */
    public Defaults defaults() {
        if (defaults == null) {
            throw new IllegalStateException("resolve the recipe first: auto has no defaults of its own");
        }
        return defaults;
    }

    /** The name requests and manifests use: lower case. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Returns each concrete recipe's default of one setting as documents show it, e.g. {@code tail 30, probe 30,
     * images 20} for {@code epochs}.
     *
     * @param setting a component of {@link Defaults}
     * @throws IllegalArgumentException for another name
     */
    public static String defaultsOf(String setting) {
        java.lang.reflect.RecordComponent component = Arrays.stream(Defaults.class.getRecordComponents())
                .filter(c -> c.getName().equals(setting)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no recipe setting " + setting));
        return Arrays.stream(values()).filter(r -> r != AUTO).map(r -> {
            try {
                Object v = component.getAccessor().invoke(r.defaults());
                return r.id() + " " + new java.math.BigDecimal(v.toString()).stripTrailingZeros().toPlainString();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }).collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * Reads a recipe by its {@link #id}.
     *
     * @throws TrainingException.Invalid naming the recipes there are
     */
    public static Recipe parse(String id) {
        for (Recipe r : values()) {
            if (r.id().equals(id)) {
                return r;
            }
        }
        throw new TrainingException.Invalid("unknown recipe '" + id + "'; use one of "
                + Arrays.stream(values()).map(Recipe::id).toList());
    }

    /**
     * The recipe that runs for a family: this one, or for {@link #AUTO} the best the family supports.
     *
     * @throws TrainingException.Invalid when the family cannot train this recipe
     */
    public Recipe resolve(Architecture architecture) {
        boolean tail = architecture.hasTrainableTail();
        boolean cached = architecture.cachesFeatures();
        return switch (this) {
            case AUTO -> tail ? TAIL : cached ? PROBE : IMAGES;
            case TAIL -> {
                if (!tail) {
                    throw new TrainingException.Invalid("recipe 'tail' needs a family with a trainable tail "
                            + "(mobilenetv2); this base's family has none: use 'auto'");
                }
                yield TAIL;
            }
            case PROBE -> {
                if (!cached) {
                    throw new TrainingException.Invalid("recipe 'probe' needs a family whose features carry no "
                            + "batch statistics; this base's features have them: use 'auto'");
                }
                yield PROBE;
            }
            case IMAGES -> IMAGES;
        };
    }
}
