package io.producttagger.model;

import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A model version ready to tag photos: its image pipeline (decode + declared preprocessing) in front of its
 * batching {@link InferencePool}.
 */
public final class ServingModel implements AutoCloseable {

    /**
     * The tags of one image and what each stage cost.
     *
     * @param labels the best labels, best first
     * @param decodeMs decoding time
     * @param preprocessMs preprocessing time
     * @param queueMs time waiting for inference
     * @param inferenceMs time of the inference batch
     * @param batchSize images in that batch
     * @param blank whether the image was near-uniform, so the labels say nothing about a product
     */
    public record Tagging(List<LabelScore> labels, double decodeMs, double preprocessMs, double queueMs,
            double inferenceMs, int batchSize, boolean blank) {}

    private final LoadedModel model;
    private final ImagePipeline pipeline;
    private final InferencePool pool;

    /**
     * Serves a loaded version: starts its pool. The version is this object's from now on: {@link #close()} frees
     * it.
     */
    public ServingModel(LoadedModel model, ImageDecoder decoder, InferencePool.Settings settings,
            InferencePool.Observer observer) {
        this(model, decoder, new InferencePool(model, settings, observer));
    }

    /** Serves a loaded version through a pool already started over it. */
    ServingModel(LoadedModel model, ImageDecoder decoder, InferencePool pool) {
        this.model = model;
        this.pipeline = model.pipeline(decoder);
        this.pool = pool;
    }

    /** Returns the manifest. */
    public ModelManifest manifest() {
        return model.manifest();
    }

    /** Returns {@code name@version}. */
    public String id() {
        return manifest().name() + "@" + manifest().version();
    }

    /** Returns the inference pool (queue depth, batches run, direct tensor submission). */
    public InferencePool pool() {
        return pool;
    }

    /** Decodes and preprocesses on the calling thread (never an event loop). */
    public ImagePipeline.Processed preprocess(byte[] bytes) {
        return pipeline.process(bytes);
    }

    /**
     * Creates a batch classifier over this version for the calling thread (bulk tagging: one per thread that
     * decodes and scores its own batches); the caller closes it, the model stays open.
     *
     * @param maxBatch most images scored at once
     */
    public BatchClassifier newBatchClassifier(int maxBatch) {
        return new BatchClassifier(model, pipeline, maxBatch);
    }

    /** Queues a preprocessed image and completes with its best labels. */
    public CompletableFuture<Tagging> infer(ImagePipeline.Processed processed, int topK, double threshold) {
        return pool.submit(processed.tensor()).thenApply(p -> new Tagging(
                LabelScore.top(manifest().labels(), p.probabilities(), topK, threshold), processed.decodeMs(), processed.preprocessMs(),
                p.queueMs(), p.inferenceMs(), p.batchSize(), processed.blank()));
    }

    /**
     * Queues a preprocessed image and completes with what the version answers for it unranked: its embedding or its
     * duplicate descriptor when the version was loaded for {@link ModelOutput#EMBEDDING} or
     * {@link ModelOutput#DUPLICATES}, its probabilities otherwise.
     */
    public CompletableFuture<float[]> vector(ImagePipeline.Processed processed) {
        return pool.submit(processed.tensor()).thenApply(InferencePool.Prediction::probabilities);
    }

    /** Returns what this version answers per image. */
    public ModelOutput output() {
        return model.output();
    }

    /** Tags one image, blocking the calling thread until it is done. */
    public Tagging tag(byte[] bytes, int topK, double threshold) {
        return infer(preprocess(bytes), topK, threshold).join();
    }

    /** Runs one inference so the first real request does not pay MXNet's lazy initialisation. */
    public void warmUp() {
        ModelManifest.InputSpec in = manifest().input();
        pool.classify(new float[in.channels() * in.width() * in.height()]);
    }

    /**
     * Finishes queued work, stops the workers and frees the model once no worker uses it: the pool's
     * {@link InferencePool#close() close} waits a while for its workers, and a worker still busy after that (or
     * after the closing thread is interrupted) frees the model itself when it leaves, so the model's native memory
     * is never freed under a running predictor.
     */
    @Override
    public void close() {
        pool.close();
        pool.stopped().thenRun(model::close);
    }
}
