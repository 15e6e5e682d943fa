/**
 * The command line ({@code serve}, {@code classify}, {@code tag}, {@code train}, {@code eval}, {@code models},
 * {@code bench}, {@code ceiling}) on picocli. Commands parse their options, take what they need from
 * {@link io.producttagger.cli.Components} (built by the composition root in {@code app} from the one loaded
 * configuration) and print; they build no store, registry or listener of their own.
 */
package io.producttagger.cli;
