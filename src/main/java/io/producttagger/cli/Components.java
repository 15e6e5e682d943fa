package io.producttagger.cli;

import io.producttagger.index.IndexStore;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ModelStore;
import io.producttagger.training.loop.FineTune;
import io.producttagger.vision.ImageDecoder;

/**
 * The objects the commands work with, as the composition root ({@code app.TaggerApp}) builds them from one
 * configuration: the commands take what they need from here and build none of it themselves. An interface, so
 * that the arrows keep pointing one way ({@code app} builds and hands it to the command line; nothing imports
 * {@code app}).
 */
public interface Components extends AutoCloseable {

    /** Returns the configuration everything was built from. */
    TaggerConfig config();

    /** Returns the model store over {@code model.zoo}. */
    ModelStore store();

    /** Returns the image decoder with the configured limits. */
    ImageDecoder decoder();

    /** Returns the registry of loaded model versions (nothing loads until a version is acquired). */
    ModelRegistry registry();

    /** Returns the vector indexes under {@code index.dir} (for {@code index}). */
    IndexStore indexes();

    /** Returns a fine-tune runner over the store (for {@code train --base}). */
    FineTune fineTune();

    /**
     * Starts the public listener and, unless {@code admin.enabled=false}, the admin listener with the fine-tune
     * jobs; returns once both are bound. {@link #close()} stops them.
     */
    void startServing();

    /** Closes everything that was started and loaded, in reverse order. */
    @Override
    void close();
}
