package io.producttagger.app;

/** {@link EveryPathAgrees} for the clothing model: a few hundred photos, all ten labels. */
class EveryPathAgreesFashionTest extends EveryPathAgrees {
    EveryPathAgreesFashionTest() {
        super("fashion", 240, 10);
    }
}
