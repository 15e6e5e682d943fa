package io.producttagger.catalog;

import io.producttagger.model.BatchClassifier;
import io.producttagger.vision.VisionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Embeds catalog items a batch at a time for the commands that need every item's vector ({@code index}
 * and the admin API's index builds, {@code dedupe}, {@code eval-duplicates}): reads and preprocesses each item as it comes, scores a batch when it is
 * full, hands each vector to the command's sink, and keeps the failures (an unreadable item does not stop the run).
 */
public final class CatalogEmbedding {

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

    private final BatchClassifier embedder;
    private final int maxBatch;
    private final long maxBytes;
    private final LongConsumer progress;
    private final Sink sink;
    private final List<CatalogItem> items = new ArrayList<>();
    private final List<byte[]> bytes = new ArrayList<>();
    private final List<float[]> tensors = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private long embedded;

    /**
     * Creates the loop.
     *
     * @param maxBatch images per inference batch ({@code inference.max-batch})
     * @param maxBytes the largest file read ({@code server.max-body-bytes})
     * @param progress told how many more items are done (embedded or failed), as they are
     */
    public CatalogEmbedding(BatchClassifier embedder, int maxBatch, long maxBytes, LongConsumer progress,
            Sink sink) {
        this.embedder = embedder;
        this.maxBatch = maxBatch;
        this.maxBytes = maxBytes;
        this.progress = progress;
        this.sink = sink;
    }

    /** Reads and preprocesses one item; scores the batch once it is full. */
    public void add(CatalogItem item) {
        try {
            byte[] data = CatalogFiles.read(item, maxBytes);
            tensors.add(embedder.prepare(data));
            bytes.add(data);
            items.add(item);
        } catch (VisionException | IOException | CatalogException e) {
            failures.add(item.id() + " (" + item.path() + "): " + e.getMessage());
            progress.accept(1);
        }
        if (items.size() >= maxBatch) {
            flush();
        }
    }

    /** Scores what waits and hands it to the sink. */
    public void flush() {
        if (items.isEmpty()) {
            return;
        }
        List<float[]> vectors = embedder.score(tensors);
        for (int i = 0; i < items.size(); i++) {
            sink.accept(items.get(i), bytes.get(i), vectors.get(i));
        }
        progress.accept(items.size());
        embedded += items.size();
        items.clear();
        bytes.clear();
        tensors.clear();
    }

    /** Returns how many items reached the sink. */
    public long embedded() {
        return embedded;
    }

    /** Returns one line per item that could not be embedded: id, path and why. */
    public List<String> failures() {
        return failures;
    }
}
