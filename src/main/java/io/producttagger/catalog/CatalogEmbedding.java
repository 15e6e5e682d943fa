package io.producttagger.catalog;

import io.producttagger.model.BatchClassifier;
import io.producttagger.model.ServingModel;
import io.producttagger.vision.VisionException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Embeds catalog items on {@link Lanes} for the commands that need every item's vector ({@code index} and the admin
 * API's index builds, {@code dedupe}, {@code eval-duplicates}): the items are cut into batches of
 * {@code maxBatch} in the order they come, each batch is read, decoded and scored by the next free lane (decoding
 * and inference of different batches overlap on every core, as {@code tag} runs), and the results reach the sink
 * on the calling thread in the order the items came, so the sink need not be thread-safe. An item that cannot be
 * read or decoded fails alone, with its id, path and why; the others of its batch are scored without it.
 *
 * <p>A batch is the same consecutive items whatever the number of lanes and however fast each runs, so an item's
 * vector does not depend on either: the same input gives the same bits. At most two batches per lane are in flight
 * (read ahead of the sink), so memory is bounded by the lanes, not by the catalog. Not thread-safe: one thread adds,
 * flushes and closes.
 */
public final class CatalogEmbedding implements AutoCloseable {

    /** Receives each embedded item. */
    @FunctionalInterface
    public interface Sink {
        /**
         * Takes one item.
         *
         * @param item the catalog item
         * @param bytes its file's contents
         * @param vector its unit-length embedding
         */
        void accept(CatalogItem item, byte[] bytes, float[] vector);
    }

    /** One item as a lane left it: embedded, or failed with a line that says why. */
    private record Embedded(CatalogItem item, byte[] bytes, float[] vector, String failure) {}

    private final Lanes<List<CatalogItem>, List<Embedded>> lanes;
    private final int maxBatch;
    private final int inFlight;
    private final long maxBytes;
    private final LongConsumer progress;
    private final Sink sink;
    private final Deque<CompletableFuture<List<Embedded>>> pending = new ArrayDeque<>();
    private List<CatalogItem> batch = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private long embedded;

    /**
     * Starts the lanes; the caller keeps ownership of the model and closes this.
     *
     * @param model the version whose output (an embedding, a duplicate descriptor) each item gets
     * @param settings lanes, batch size ({@code inference.max-batch}), OpenMP threads per lane and the largest file
     *     read ({@code server.max-body-bytes})
     * @param progress told how many more items are done (embedded or failed), as they reach the sink
     */
    public CatalogEmbedding(ServingModel model, Lanes.Settings settings, LongConsumer progress, Sink sink) {
        this.maxBatch = settings.maxBatch();
        this.inFlight = Math.max(1, settings.window() / settings.maxBatch());
        this.maxBytes = settings.maxFileBytes();
        this.progress = progress;
        this.sink = sink;
        // a lane takes one batch at a time: the batches are cut here, not by the lanes' timing
        this.lanes = new Lanes<>(model, settings, "embed-lane", 1, this::run);
    }

    /**
     * Queues one item; hands what the lanes have finished to the sink, and waits for the oldest batch when every
     * lane has its next one waiting.
     *
     * @throws RuntimeException what stopped the lanes (the model cannot score), or what the sink threw
     */
    public void add(CatalogItem item) {
        batch.add(item);
        if (batch.size() >= maxBatch) {
            submit();
        }
        while (!pending.isEmpty() && (pending.peek().isDone() || pending.size() > inFlight)) {
            deliver(pending.poll());
        }
    }

    /** Embeds what waits and hands every item to the sink. */
    public void flush() {
        finish(() -> false);
    }

    /**
     * Embeds what waits and hands it to the sink; once {@code cancelled} answers true (asked between batches), the
     * batches no lane has started are dropped, and only what the lanes hold is finished and handed on.
     *
     * @return whether it stopped early
     */
    public boolean finish(BooleanSupplier cancelled) {
        boolean stop = cancelled.getAsBoolean();
        if (stop) {
            batch = new ArrayList<>();
        } else {
            submit();
        }
        while (!pending.isEmpty()) {
            if (!stop && cancelled.getAsBoolean()) {
                stop = true;
            }
            if (stop) {
                lanes.cancelWaiting(); // first in, first out: what the lanes hold comes before all that is dropped
            }
            deliver(pending.poll());
        }
        return stop;
    }

    private void submit() {
        if (!batch.isEmpty()) {
            pending.add(lanes.submit(batch));
            batch = new ArrayList<>(maxBatch);
        }
    }

    private void deliver(CompletableFuture<List<Embedded>> next) {
        List<Embedded> done;
        try {
            done = next.join();
        } catch (CancellationException e) {
            return; // dropped by finish: no lane started it
        } catch (CompletionException e) {
            // what stopped the lanes, as the calling thread would have thrown it scoring the batch itself
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new CatalogException("embedding stopped: " + e.getCause().getMessage(), e.getCause());
        }
        for (Embedded e : done) {
            if (e.failure() != null) {
                failures.add(e.failure());
            } else {
                sink.accept(e.item(), e.bytes(), e.vector());
                embedded++;
            }
        }
        progress.accept(done.size());
    }

    /** On a lane: reads and preprocesses each item of each batch taken, scores the readable ones together. */
    private void run(BatchClassifier classifier, List<Lanes.Job<List<CatalogItem>, List<Embedded>>> jobs) {
        for (Lanes.Job<List<CatalogItem>, List<Embedded>> job : jobs) {
            List<CatalogItem> items = job.input();
            Embedded[] out = new Embedded[items.size()];
            List<float[]> tensors = new ArrayList<>(items.size());
            List<byte[]> bytes = new ArrayList<>(items.size());
            int[] index = new int[items.size()];
            for (int i = 0; i < items.size(); i++) {
                CatalogItem item = items.get(i);
                try {
                    byte[] data = CatalogFiles.read(item, maxBytes);
                    tensors.add(classifier.prepare(data));
                    bytes.add(data);
                    index[tensors.size() - 1] = i;
                } catch (VisionException | IOException | CatalogException e) {
                    out[i] = new Embedded(item, null, null, item.id() + " (" + item.path() + "): " + e.getMessage());
                }
            }
            List<float[]> vectors = classifier.score(tensors);
            for (int j = 0; j < vectors.size(); j++) {
                out[index[j]] = new Embedded(items.get(index[j]), bytes.get(j), vectors.get(j), null);
            }
            job.result().complete(List.of(out));
        }
    }

    /** Returns how many items reached the sink. */
    public long embedded() {
        return embedded;
    }

    /** Returns one line per item that could not be embedded, in catalog order: id, path and why. */
    public List<String> failures() {
        return failures;
    }

    /** Stops the lanes; batches not handed on yet are abandoned. */
    @Override
    public void close() {
        lanes.close();
    }
}
