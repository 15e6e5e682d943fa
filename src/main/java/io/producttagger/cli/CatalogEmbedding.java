package io.producttagger.cli;

import io.producttagger.catalog.CatalogException;
import io.producttagger.catalog.CatalogItem;
import io.producttagger.model.BatchClassifier;
import io.producttagger.vision.VisionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;

/**
 * Embeds catalog items a batch at a time for the commands that need every item's vector ({@code index},
 * {@code dedupe}, {@code eval-duplicates}): reads and preprocesses each item as it comes, scores a batch when it is
 * full, hands each vector to the command's sink, and keeps the failures (an unreadable item does not stop the run).
 */
final class CatalogEmbedding {

    /** Receives each embedded item. */
    @FunctionalInterface
    interface Sink {
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
    private final ProgressBar bar;
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
     * @param bar stepped once per item, embedded or failed
     */
    CatalogEmbedding(BatchClassifier embedder, int maxBatch, long maxBytes, ProgressBar bar, Sink sink) {
        this.embedder = embedder;
        this.maxBatch = maxBatch;
        this.maxBytes = maxBytes;
        this.bar = bar;
        this.sink = sink;
    }

    /** Reads and preprocesses one item; scores the batch once it is full. */
    void add(CatalogItem item) {
        try {
            byte[] data = CatalogFiles.read(item, maxBytes);
            tensors.add(embedder.prepare(data));
            bytes.add(data);
            items.add(item);
        } catch (VisionException | IOException | CatalogException e) {
            failures.add(item.id() + " (" + item.path() + "): " + e.getMessage());
            bar.step();
        }
        if (items.size() >= maxBatch) {
            flush();
        }
    }

    /** Scores what waits and hands it to the sink. */
    void flush() {
        if (items.isEmpty()) {
            return;
        }
        List<float[]> vectors = embedder.score(tensors);
        for (int i = 0; i < items.size(); i++) {
            sink.accept(items.get(i), bytes.get(i), vectors.get(i));
        }
        bar.stepBy(items.size());
        embedded += items.size();
        items.clear();
        bytes.clear();
        tensors.clear();
    }

    /** Returns how many items reached the sink. */
    long embedded() {
        return embedded;
    }

    /** Returns one line per item that could not be embedded: id, path and why. */
    List<String> failures() {
        return failures;
    }
}
