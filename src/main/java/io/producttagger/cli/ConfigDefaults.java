package io.producttagger.cli;

import io.producttagger.training.loop.Recipe;
import java.util.ArrayList;
import java.util.List;
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

    /** Bundle keys of each recipe's default of a fine-tune setting start with this, then the setting's name. */
    public static final String RECIPE_PREFIX = "recipe.";

    @Override
    protected Object[][] getContents() {
        List<Object[]> contents = new ArrayList<>();
        TaggerConfig.KEYS.forEach(k -> contents.add(new Object[] {PREFIX + k.name(), k.defaultValue()}));
        for (var setting : Recipe.Defaults.class.getRecordComponents()) {
            contents.add(new Object[] {RECIPE_PREFIX + setting.getName(), Recipe.defaultsOf(setting.getName())});
        }
        return contents.toArray(Object[][]::new);
    }

}
