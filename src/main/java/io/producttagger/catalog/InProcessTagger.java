package io.producttagger.catalog;

import io.producttagger.model.ModelException;
import io.producttagger.model.ServingModel;
import io.producttagger.vision.ImagePipeline;
import io.producttagger.vision.VisionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tags images in this process: reads and preprocesses on a fixed pool (all cores by default), then submits
 * the tensors to the model's {@link io.producttagger.model.Classifier}, which batches them.
 */
public final class InProcessTagger implements Tagger {

    private static final long OVERLOAD_PAUSE_MS = 5;

    private final ServingModel model;
    private final ExecutorService pool;
    private final ImageFiles files;
    private final int topK;
    private final double threshold;

    /**
     * Creates a tagger over a loaded model; the caller keeps ownership of the model.
     *
     * @param model the model (pipeline + classifier)
     * @param threads decoding threads
     * @param maxFileBytes largest image file read
     * @param topK labels per image
     * @param threshold lowest probability reported
     */
    public InProcessTagger(ServingModel model, int threads, long maxFileBytes, int topK, double threshold) {
        this.model = model;
        this.pool = ImageFiles.pool("catalog-decode", threads);
        this.files = new ImageFiles(maxFileBytes);
        this.topK = topK;
        this.threshold = threshold;
    }

    @Override
    public CompletableFuture<Tagging> tag(CatalogItem item) {
        return CompletableFuture.supplyAsync(() -> preprocess(item), pool)
                .thenCompose(this::infer)
                .thenApply(t -> new Tagging(t.labels(), model.manifest().name(), model.manifest().version()));
    }

    private ImagePipeline.Processed preprocess(CatalogItem item) {
        byte[] bytes = files.read(item);
        try {
            return model.preprocess(bytes);
        } catch (VisionException e) {
            throw new CatalogException.ImageFailed(e.getMessage(), e);
        }
    }

    /** Submits to the classifier; the run's window keeps the queue from filling, but wait briefly if it does. */
    private CompletableFuture<ServingModel.Tagging> infer(ImagePipeline.Processed p) {
        try {
            return model.infer(p, topK, threshold);
        } catch (ModelException.Overloaded e) {
            return CompletableFuture.supplyAsync(() -> p,
                    CompletableFuture.delayedExecutor(OVERLOAD_PAUSE_MS, TimeUnit.MILLISECONDS, pool))
                    .thenCompose(this::infer);
        } catch (RuntimeException e) {
            throw new CompletionException(e);
        }
    }

    @Override
    public String describe() {
        return model.id() + " in-process";
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
