/**
 * The composition root: {@link io.producttagger.app.TaggerApp} builds the service's objects from one
 * {@code TaggerConfig}, for {@code serve}, the other commands and the tests alike, and closes them in reverse
 * order; {@link io.producttagger.app.Main} is the jar's entry point. Nothing imports this package.
 */
package io.producttagger.app;
