package io.producttagger.app;

/**
 * {@link EveryPathAgrees} for the colour ImageNet model, the default one: about ten times the work per photo of
 * the clothing model, so fewer photos, and its top five labels.
 */
class EveryPathAgreesImageNetTest extends EveryPathAgrees {
    EveryPathAgreesImageNetTest() {
        super("mobilenetv2-imagenet", 48, 5);
    }
}
