package io.producttagger.index;

import io.producttagger.catalog.CatalogEmbedding;
import io.producttagger.catalog.CatalogItem;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.Lanes;
import io.producttagger.model.BatchClassifier;
import io.producttagger.model.ServingModel;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Embeds a catalog into an index, streaming and resumably: ids the index already holds are skipped, and what was
 * added is committed every {@value #COMMIT_EVERY} items, so an interrupted or cancelled build loses at most those.
 * A build that gets to the end of its catalog merges the index into one segment, unless it is one already. One loop
 * for the {@code index} command and the admin API's background builds; it embeds on {@link Lanes} (every core, as
 * {@code tag} runs) and adds to the index on the calling thread, in catalog order.
 */
public final class IndexBuild {

    /** Items added between commits: what an interrupted build loses at most. */
    public static final int COMMIT_EVERY = 256;

    /**
     * How a build went.
     *
     * @param added items embedded and added
     * @param skipped items the index held already
     * @param total items in the catalog
     * @param failures one line per item that could not be embedded: id, path and why
     * @param cancelled whether the build stopped early when asked
     */
    public record Result(long added, long skipped, long total, List<String> failures, boolean cancelled) {}

    private IndexBuild() {}

    /**
     * Runs a build on lanes ({@link CatalogEmbedding}): the items reach the index in catalog order, on the calling
     * thread.
     *
     * @param serving the version that embeds (loaded for {@code ModelOutput.EMBEDDING})
     * @param lanes lanes, batch size, OpenMP threads per lane and the largest file read
     * @param progress told how many more items are done (added, skipped or failed)
     * @param cancelled asked between items and between batches; a build asked to stop drops the batches no lane
     *     has started, commits what it added and returns
     */
    public static Result run(CatalogSource source, ServingModel serving, Lanes.Settings lanes, VectorIndex index,
            LongConsumer progress, BooleanSupplier cancelled) {
        long total = source.count();
        long skipped = 0;
        long[] sinceCommit = {0};
        boolean stopped = false;
        long added;
        List<String> failures;
        try (CatalogEmbedding embedding = new CatalogEmbedding(serving, lanes, progress,
                (item, bytes, vector) -> {
                    index.add(item.id(), item.path(), vector, item.extra());
                    if (++sinceCommit[0] >= COMMIT_EVERY) {
                        index.commit();
                        sinceCommit[0] = 0;
                    }
                });
                Stream<CatalogItem> items = source.items()) {
            for (Iterator<CatalogItem> it = items.iterator(); it.hasNext(); ) {
                if (cancelled.getAsBoolean()) {
                    stopped = true;
                    break;
                }
                CatalogItem item = it.next();
                if (index.contains(item.id())) {
                    skipped++;
                    progress.accept(1);
                    continue;
                }
                embedding.add(item);
            }
            boolean asked = stopped;
            stopped = embedding.finish(() -> asked || cancelled.getAsBoolean());
            added = embedding.embedded();
            failures = List.copyOf(embedding.failures());
        } finally {
            index.commit();
        }
        // a finished build leaves one HNSW graph, not one per commit (VectorIndex.merge); also when it added nothing
        // but an earlier run's merge never finished (that run stopped or was killed after its last commit)
        if (!stopped && (added > 0 || index.segments() > 1)) {
            index.merge();
        }
        return new Result(added, skipped, total, failures, stopped);
    }

    /**
     * Returns what an index of {@code serving}'s embeddings records, asking a classifier of the calling thread's
     * own that is closed before this returns (its graph goes to the next scorer, a lane's).
     */
    public static VectorIndex.Meta meta(ServingModel serving) {
        try (BatchClassifier embedder = serving.newBatchClassifier(1)) {
            return meta(serving, embedder);
        }
    }

    /** Returns what an index of {@code serving}'s embeddings records: the model version and the dimension. */
    public static VectorIndex.Meta meta(ServingModel serving, BatchClassifier embedder) {
        // the dimension is what the network answers: one blank image tells it without a second source of truth
        int floats = serving.manifest().input().channels() * serving.manifest().input().width()
                * serving.manifest().input().height();
        int dimension = embedder.score(List.of(new float[floats])).get(0).length;
        return new VectorIndex.Meta(serving.manifest().name(), serving.manifest().version(), dimension);
    }
}
