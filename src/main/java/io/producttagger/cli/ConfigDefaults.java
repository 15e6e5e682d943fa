package io.producttagger.cli;

import io.producttagger.config.TaggerConfig;
import java.util.ListResourceBundle;

/**
 * The documented configuration defaults as a resource bundle, so that help text names a default as
 * {@code ${bundle:default.KEY}} (e.g. {@code ${bundle:default.finetune.epochs}}) instead of restating it.
 *
 * <p>The keys are prefixed with {@code default.} so they can never be taken for picocli's own description keys
 * (an option's name, {@code usage.*}).
 */
public final class ConfigDefaults extends ListResourceBundle {

    /** Bundle keys start with this, followed by the configuration key. */
    public static final String PREFIX = "default.";

    /** Creates the bundle; picocli loads it by class name. */
    public ConfigDefaults() {}

    @Override
    protected Object[][] getContents() {
        return TaggerConfig.KEYS.stream()
                .map(k -> new Object[] {PREFIX + k.name(), k.defaultValue()})
                .toArray(Object[][]::new);
    }
}
