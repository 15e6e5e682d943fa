package io.producttagger.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batching worker pool: runs a loaded model behind a bounded queue with dynamic batching, off the caller's
 * thread. It scores; turning scores into labels is {@link LabelScore#top}, a pure function of its own.
 *
 * <p>Each worker thread owns one predictor. A worker takes the oldest waiting image, then gathers whatever
 * else is waiting, up to {@code maxBatch}; only when other images were already queued (the server is busy)
 * does it wait up to {@code maxDelayMs} for the batch to fill, so a lone request on an idle server pays no
 * batching delay. A full queue refuses at once with {@link ModelException.Overloaded}.
 */
public final class InferencePool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferencePool.class);

    /**
     * How a classifier queues and batches.
     *
     * @param workers inference threads
     * @param maxBatch most images per batch
     * @param maxDelayMs longest wait for a batch to fill under load
     * @param queueCapacity images that may wait
     */
    public record Settings(int workers, int maxBatch, int maxDelayMs, int queueCapacity) {
        /** Validates the settings. */
        public Settings {
            if (workers < 1 || maxBatch < 1 || maxDelayMs < 0 || queueCapacity < 1) {
                throw new IllegalArgumentException("workers, batch size and queue capacity must be >= 1");
            }
        }
    }

    /**
     * The scores of one image and what it cost.
     *
     * @param probabilities one softmax probability per label
     * @param queueMs time spent waiting in the queue
     * @param inferenceMs time of the batch it ran in
     * @param batchSize images in that batch
     */
    public record Prediction(float[] probabilities, double queueMs, double inferenceMs, int batchSize) {}

    /** Observes batches, e.g. for metrics; an observer that throws is logged and changes no result. */
    public interface Observer {
        /** Called after each batch, once its images have their results. */
        void onBatch(int size, double inferenceMs);

        /** An observer that ignores everything. */
        Observer NONE = (size, ms) -> { };
    }

    private record Job(float[] chw, long enqueued, CompletableFuture<Prediction> result) {}

    private final LoadedModel model;
    private final Settings settings;
    private final Observer observer;
    private final BlockingQueue<Job> queue;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final int imageFloats;
    private final java.util.concurrent.atomic.LongAdder batchesRun = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder imagesRun = new java.util.concurrent.atomic.LongAdder();

    /**
     * Starts the worker threads.
     *
     * @param observer told about every batch (not null: {@link Observer#NONE} observes nothing)
     */
    public InferencePool(LoadedModel model, Settings settings, Observer observer) {
        this.model = Objects.requireNonNull(model, "model");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.observer = Objects.requireNonNull(observer, "observer (use InferencePool.Observer.NONE for none)");
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        ModelManifest.InputSpec in = model.manifest().input();
        this.imageFloats = in.channels() * in.width() * in.height();
        String id = model.manifest().name() + "@" + model.manifest().version();
        for (int i = 0; i < settings.workers(); i++) {
            Thread t = new Thread(this::work, "inference-" + id + "-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    /** Returns the loaded model. */
    public LoadedModel model() {
        return model;
    }

    /** Returns the number of images waiting. */
    public int queueDepth() {
        return queue.size();
    }

    /**
     * Queues one preprocessed image.
     *
     * @param chw the image's CHW floats, as the model's input spec says
     * @throws ModelException.Overloaded when the queue is full or the classifier is closing
     */
    public CompletableFuture<Prediction> submit(float[] chw) {
        if (chw.length != imageFloats) {
            throw new IllegalArgumentException("expected " + imageFloats + " floats, got " + chw.length);
        }
        if (!accepting.get()) {
            throw new ModelException.Overloaded("the model is shutting down");
        }
        Job job = new Job(chw, System.nanoTime(), new CompletableFuture<>());
        if (!queue.offer(job)) {
            throw new ModelException.Overloaded("the inference queue is full (" + settings.queueCapacity()
                    + " images, inference.queue-capacity)");
        }
        return job.result();
    }

    /** Scores one image on the calling thread's turn in the queue and waits for it. */
    public Prediction classify(float[] chw) {
        return submit(chw).join();
    }

    private void work() {
        try (LoadedModel.Scorer scorer = model.newScorer()) {
            List<Job> batch = new ArrayList<>(settings.maxBatch());
            float[] input = new float[settings.maxBatch() * imageFloats];
            while (true) {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (!accepting.get() && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.clear();
                batch.add(first);
                boolean busy = !queue.isEmpty();
                queue.drainTo(batch, settings.maxBatch() - 1);
                if (busy && batch.size() < settings.maxBatch() && settings.maxDelayMs() > 0) {
                    long deadline = first.enqueued() + TimeUnit.MILLISECONDS.toNanos(settings.maxDelayMs());
                    while (batch.size() < settings.maxBatch()) {
                        long wait = deadline - System.nanoTime();
                        Job more = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : null;
                        if (more == null) {
                            break;
                        }
                        batch.add(more);
                        queue.drainTo(batch, settings.maxBatch() - batch.size());
                    }
                }
                run(scorer, batch, input);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("inference worker stopped", e);
        }
    }

    private void run(LoadedModel.Scorer scorer, List<Job> batch, float[] input) {
        long start = System.nanoTime();
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            System.arraycopy(batch.get(i).chw(), 0, input, i * imageFloats, imageFloats);
        }
        double ms;
        try {
            float[] scores = scorer.score(input, n);
            ms = (System.nanoTime() - start) / 1e6;
            int labels = scores.length / n;
            for (int i = 0; i < n; i++) {
                Job job = batch.get(i);
                float[] p = java.util.Arrays.copyOfRange(scores, i * labels, (i + 1) * labels);
                job.result().complete(new Prediction(p, (start - job.enqueued()) / 1e6, ms, n));
            }
        } catch (RuntimeException e) {
            batch.forEach(j -> j.result().completeExceptionally(e));
            return;
        }
        batchesRun.increment();
        imagesRun.add(n);
        try {
            observer.onBatch(n, ms);
        } catch (RuntimeException e) {
            LOG.warn("the batch observer of {}@{} failed; the batch's results stand", model.manifest().name(),
                    model.manifest().version(), e);
        }
    }

    /** Returns how many batches the workers have run so far. */
    public long batchesRun() {
        return batchesRun.sum();
    }

    /** Returns how many images those batches held. */
    public long imagesRun() {
        return imagesRun.sum();
    }

    /** Stops accepting work, finishes what is queued, and stops the workers. */
    @Override
    public void close() {
        accepting.set(false);
        for (Thread t : workers) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
