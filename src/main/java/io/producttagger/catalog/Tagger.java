package io.producttagger.catalog;

import java.util.concurrent.CompletableFuture;

/**
 * Tags catalog images asynchronously: in this process through a model's batching classifier, or against a
 * running server.
 *
 * <p>A returned future fails with {@link CatalogException.ImageFailed} when that one image cannot be tagged;
 * any other failure (a server that stays unreachable, a model that stopped) means the run cannot go on.
 */
public interface Tagger extends AutoCloseable {

    /** Starts tagging one image; the work runs on the tagger's own threads. */
    CompletableFuture<Tagging> tag(CatalogItem item);

    /** Describes what tags, for the log (e.g. {@code fashion@1 in-process}). */
    String describe();

    /** Stops the tagger's threads; work in flight is abandoned. */
    @Override
    void close();
}
