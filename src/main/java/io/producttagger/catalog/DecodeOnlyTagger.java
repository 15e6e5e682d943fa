package io.producttagger.catalog;

import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.VisionException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Reads and decodes images without a model and reports no labels: the ceiling a catalog run can reach on
 * this machine, for benchmarks.
 */
public final class DecodeOnlyTagger implements Tagger {

    private final ImageDecoder decoder;
    private final ExecutorService pool;
    private final ImageFiles files;

    /**
     * Creates the tagger.
     *
     * @param decoder decodes images
     * @param threads decoding threads
     * @param maxFileBytes largest image file read
     */
    public DecodeOnlyTagger(ImageDecoder decoder, int threads, long maxFileBytes) {
        this.decoder = decoder;
        this.pool = ImageFiles.pool("catalog-decode", threads);
        this.files = new ImageFiles(maxFileBytes);
    }

    @Override
    public CompletableFuture<Tagging> tag(CatalogItem item) {
        return CompletableFuture.supplyAsync(() -> {
            byte[] bytes = files.read(item);
            try {
                decoder.decode(bytes, 0).release();
            } catch (VisionException e) {
                throw new CatalogException.ImageFailed(e.getMessage(), e);
            }
            return new Tagging(List.of(), "decode-only", "");
        }, pool);
    }

    @Override
    public String describe() {
        return "decoding only (no model)";
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
