package io.producttagger.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
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
 *
 * <p>A worker that fails with an {@link Error} (out of memory, a native failure) fails its batch with
 * {@link ModelException.WorkerFailed} and is replaced by a new thread with a new predictor. From the failure until
 * that replacement has scored one blank probe image the pool is not {@link #isHealthy() healthy}; while no worker
 * at all is up, the images already queued fail and new ones are refused with {@code WorkerFailed}, so no request
 * waits for a worker that may never come. A replacement that fails too is retried after a pause that doubles up to
 * {@value #MAX_RESTART_DELAY_MS} ms.
 */
public final class InferencePool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferencePool.class);

    /** How long {@link #close()} waits for the workers to finish the queue before it returns. */
    static final long CLOSE_GRACE_MS = 30_000;
    /** Longest pause before another attempt to start a worker whose predecessors failed one after the other. */
    static final long MAX_RESTART_DELAY_MS = 5_000;

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
     * @param probabilities one softmax probability per label, or the image's embedding (or duplicate descriptor)
     *     when the model was loaded for {@link ModelOutput#EMBEDDING} (or {@link ModelOutput#DUPLICATES})
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

    /** What a worker scores with: one predictor of its own, used by that worker's thread only. */
    interface Scorer extends AutoCloseable {
        /** Scores {@code count} images whose CHW floats are back to back in {@code chw}. */
        float[] score(float[] chw, int count);

        @Override
        void close();
    }

    /**
     * The pool's seams: how a worker gets its {@link Scorer} and what runs between a job's admission and its
     * queueing; {@link #PRODUCTION} is a predictor over the model and nothing. Tests wrap the scorer to fail or to
     * pause a worker, and pause a submission at the moment the pool could start closing under it.
     */
    record Hooks(Function<LoadedModel, Scorer> scorers, Runnable admitted) {
        static final Hooks PRODUCTION = new Hooks(InferencePool::predictor, () -> { });
    }

    private static Scorer predictor(LoadedModel model) {
        LoadedModel.Scorer scorer = model.newScorer();
        return new Scorer() {
            @Override
            public float[] score(float[] chw, int count) {
                return scorer.score(chw, count);
            }

            @Override
            public void close() {
                scorer.close();
            }
        };
    }

    private record Job(float[] chw, long enqueued, CompletableFuture<Prediction> result) {}

    private final LoadedModel model;
    private final Settings settings;
    private final Observer observer;
    private final Hooks hooks;
    private final String id;
    private final BlockingQueue<Job> queue;
    private final int imageFloats;
    private final LongAdder batchesRun = new LongAdder();
    private final LongAdder imagesRun = new LongAdder();
    /** Counted down once, when close begins: ends a replacement's pause early. */
    private final CountDownLatch closing = new CountDownLatch(1);
    /** Completes when close has begun and the last worker thread has left. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Live worker threads; guarded by {@code this}. */
    private final Set<Thread> threads = new HashSet<>();
    /** Workers started so far, for thread names; guarded by {@code this}. */
    private int started;
    /** Slots whose worker failed and whose replacement has not yet passed its probe; written under {@code this}. */
    private volatile int down;
    /** Written under {@code this}. */
    private volatile boolean closed;

    /**
     * Starts the worker threads.
     *
     * @param observer told about every batch (not null: {@link Observer#NONE} observes nothing)
     */
    public InferencePool(LoadedModel model, Settings settings, Observer observer) {
        this(model, settings, observer, Hooks.PRODUCTION);
    }

    /** Starts the worker threads with the given seams. */
    InferencePool(LoadedModel model, Settings settings, Observer observer, Hooks hooks) {
        this.model = Objects.requireNonNull(model, "model");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.observer = Objects.requireNonNull(observer, "observer (use InferencePool.Observer.NONE for none)");
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        ModelManifest.InputSpec in = model.manifest().input();
        this.imageFloats = in.channels() * in.width() * in.height();
        this.id = model.manifest().name() + "@" + model.manifest().version();
        synchronized (this) {
            for (int i = 0; i < settings.workers(); i++) {
                startWorker(false, 0);
            }
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
     * Returns whether every worker is up: false from a worker's failure until its replacement has scored its probe,
     * and once the pool is closing.
     */
    public boolean isHealthy() {
        return down == 0 && !closed;
    }

    /**
     * Queues one preprocessed image.
     *
     * @param chw the image's CHW floats, as the model's input spec says
     * @throws ModelException.Overloaded when the queue is full or the classifier is closing
     * @throws ModelException.WorkerFailed when no worker is up (they failed and are being replaced)
     */
    public CompletableFuture<Prediction> submit(float[] chw) {
        if (chw.length != imageFloats) {
            throw new IllegalArgumentException("expected " + imageFloats + " floats, got " + chw.length);
        }
        if (!accepting()) {
            throw refusal();
        }
        hooks.admitted().run();
        Job job = new Job(chw, System.nanoTime(), new CompletableFuture<>());
        if (!queue.offer(job)) {
            throw new ModelException.Overloaded("the inference queue is full (" + settings.queueCapacity()
                    + " images, inference.queue-capacity)");
        }
        // The pool may have started closing (or lost its last worker) since the check above, and its workers may
        // have left already: a job still in the queue then has no one to run it, so take it back and refuse. A job
        // that is no longer there was taken by a worker (or failed by the last one out) and completes.
        if (!accepting() && queue.remove(job)) {
            throw refusal();
        }
        return job.result();
    }

    private boolean accepting() {
        return !closed && down < settings.workers();
    }

    private ModelException refusal() {
        return closed ? new ModelException.Overloaded("the model is shutting down") : noWorker();
    }

    private ModelException.WorkerFailed noWorker() {
        return new ModelException.WorkerFailed("no inference worker of " + id + " is up: they failed and are being "
                + "replaced");
    }

    /** Scores one image on the calling thread's turn in the queue and waits for it. */
    public Prediction classify(float[] chw) {
        return submit(chw).join();
    }

    /** Starts a worker thread. */
    private void startWorker(boolean replacement, int failures) {
        assert Thread.holdsLock(this);
        Thread t = new Thread(new Worker(replacement, failures), "inference-" + id + "-" + started++);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /**
     * One worker thread: its own scorer, then batches until the pool closes. A replacement first pauses if its
     * predecessors kept failing, then scores a blank probe image before it counts as up.
     */
    private final class Worker implements Runnable {
        private final boolean replacement;
        /** Failures of this slot in a row, this worker's predecessor included; 0 for a first worker. */
        private final int failures;
        /** Whether this worker counts as up now; guarded by the pool. */
        private boolean up;
        /** Whether it ever came up (a first worker from the start, a replacement once its probe passed). */
        private boolean cameUp;

        Worker(boolean replacement, int failures) {
            this.replacement = replacement;
            this.failures = failures;
            this.up = !replacement;
            this.cameUp = !replacement;
        }

        @Override
        public void run() {
            Throwable failure = null;
            try {
                if (failures > 1 && closing.await(restartDelayMs(failures), TimeUnit.MILLISECONDS)) {
                    return;
                }
                try (Scorer scorer = hooks.scorers().apply(model)) {
                    if (replacement) {
                        scorer.score(new float[imageFloats], 1); // the probe: a blank image, nobody's request
                        markUp(this);
                    }
                    serve(scorer);
                }
            } catch (InterruptedException | RuntimeException | Error e) {
                failure = e;
            } finally {
                exited(this, failure);
            }
        }

        /** Runs batches until the pool closes and the queue is empty; an Error fails the batch in hand and ends it. */
        private void serve(Scorer scorer) throws InterruptedException {
            List<Job> batch = new ArrayList<>(settings.maxBatch());
            float[] input = new float[settings.maxBatch() * imageFloats];
            try {
                while (true) {
                    batch.clear();
                    Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (closed && queue.isEmpty()) {
                            return;
                        }
                        continue;
                    }
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
                    InferencePool.this.run(scorer, batch, input);
                }
            } catch (Error e) {
                // this thread cannot be trusted any more; its slot is down before anyone hears of the failure, so
                // that a caller who sees it also sees the pool unhealthy
                down();
                fail(batch, new ModelException.WorkerFailed("the inference worker of " + id + " failed while "
                        + "scoring this image and is being replaced", e));
                throw e;
            }
        }

        /** Counts this worker's slot down, once. */
        private void down() {
            synchronized (InferencePool.this) {
                if (up) {
                    up = false;
                    InferencePool.this.down++;
                }
            }
        }
    }

    private static long restartDelayMs(int failures) {
        return Math.min(MAX_RESTART_DELAY_MS, 100L << Math.min(failures - 2, 20));
    }

    private void run(Scorer scorer, List<Job> batch, float[] input) {
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
                float[] p = Arrays.copyOfRange(scores, i * labels, (i + 1) * labels);
                job.result().complete(new Prediction(p, (start - job.enqueued()) / 1e6, ms, n));
            }
        } catch (RuntimeException e) {
            fail(batch, e); // this batch failed (inference said so); the predictor is still sound
            return;
        }
        batchesRun.increment();
        imagesRun.add(n);
        try {
            observer.onBatch(n, ms);
        } catch (RuntimeException e) {
            LOG.warn("the batch observer of {} failed; the batch's results stand", id, e);
        }
    }

    private static void fail(List<Job> jobs, Throwable cause) {
        jobs.forEach(j -> j.result().completeExceptionally(cause));
    }

    private synchronized void markUp(Worker worker) {
        worker.up = true;
        worker.cameUp = true;
        down--;
        if (down == 0) {
            LOG.info("every inference worker of {} is up again", id);
        }
    }

    /**
     * A worker thread leaves: normally (the pool closed and its queue is empty) or by a failure, when a new one
     * replaces it unless the pool is closing. When no worker is left to run the queue (every slot down, or closing
     * with no thread left), what waits in it fails; the last thread out after close completes {@link #stopped()}.
     */
    private void exited(Worker worker, Throwable failure) {
        List<Job> orphans = new ArrayList<>();
        boolean last;
        synchronized (this) {
            if (failure != null) {
                worker.down();
                LOG.error("inference worker {} of {} failed{}", Thread.currentThread().getName(), id,
                        closed ? "" : "; a new worker replaces it", failure);
                if (!closed) {
                    startWorker(true, worker.cameUp ? 1 : worker.failures + 1);
                }
            }
            threads.remove(Thread.currentThread());
            if (down >= settings.workers() || closed && threads.isEmpty()) {
                queue.drainTo(orphans);
            }
            last = closed && threads.isEmpty();
        }
        fail(orphans, closed ? new ModelException.Overloaded("the model shut down before this image ran")
                : noWorker());
        if (last) {
            stopped.complete(null);
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

    /**
     * Returns a stage that completes once the pool is closing and its last worker thread has left (its predictor
     * closed): from then on nothing uses the model.
     */
    public CompletionStage<Void> stopped() {
        return stopped.minimalCompletionStage();
    }

    /**
     * Stops accepting work and waits (up to {@value #CLOSE_GRACE_MS} ms, or until the calling thread is
     * interrupted) for the workers to finish what is queued and end; workers still busy then go on and finish,
     * and {@link #stopped()} says when the last has left.
     */
    @Override
    public void close() {
        List<Thread> running;
        synchronized (this) {
            closed = true;
            closing.countDown();
            running = new ArrayList<>(threads); // no thread starts once closed
        }
        if (running.isEmpty()) {
            stopped.complete(null);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MS);
        try {
            for (Thread t : running) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0) {
                    t.join(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (running.stream().anyMatch(Thread::isAlive)) {
            LOG.warn("the inference workers of {} are still busy after {} ms; they free the model when they finish",
                    id, CLOSE_GRACE_MS);
        }
    }
}
