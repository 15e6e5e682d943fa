package io.producttagger.catalog;

import io.producttagger.model.ServingModel;
import io.producttagger.vision.VisionException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Reads, decodes and preprocesses images exactly as tagging does, but runs no inference and reports no labels:
 * the ceiling a catalog run can reach on this machine, for benchmarks.
 */
public final class DecodeOnlyTagger implements Tagger {

    private final ServingModel model;
    private final ExecutorService pool;
    private final ImageFiles files;

    /**
     * Creates the tagger.
     *
     * @param model the model whose pipeline (decode + declared preprocessing) is measured; its classifier is unused
     * @param threads decoding threads
     * @param maxFileBytes largest image file read
     */
    public DecodeOnlyTagger(ServingModel model, int threads, long maxFileBytes) {
        this.model = model;
        this.pool = ImageFiles.pool("catalog-decode", threads);
        this.files = new ImageFiles(maxFileBytes);
    }

    @Override
    public CompletableFuture<Tagging> tag(CatalogItem item) {
        return CompletableFuture.supplyAsync(() -> {
            byte[] bytes = files.read(item);
            try {
                model.preprocess(bytes);
            } catch (VisionException e) {
                throw new CatalogException.ImageFailed(e.getMessage(), e);
            }
            return new Tagging(List.of(), model.manifest().name(), model.manifest().version());
        }, pool);
    }

    @Override
    public String describe() {
        return model.id() + " decoding and preprocessing only (no inference)";
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
