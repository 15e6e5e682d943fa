package io.producttagger.catalog;

import io.producttagger.config.TaggerConfig;
import io.producttagger.model.BatchClassifier;
import io.producttagger.model.OpenMpThreads;
import io.producttagger.model.ServingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs bulk work over a model on a fixed number of lanes (all cores by default): each lane is a thread that takes
 * the next waiting work from one queue, reads and decodes its images, and scores them with its own
 * {@link BatchClassifier} (its own predictor and MXNet graph, never shared) on one OpenMP thread. Tagging
 * ({@link InProcessTagger}) and embedding ({@link CatalogEmbedding}) both run on it.
 *
 * <p>Why lanes and not a decode pool in front of the server's batching classifier: bulk work only needs
 * throughput, and one runnable thread per core is what lets decoding and inference share the cores without
 * loss. The server's layout (decode threads plus an inference worker running MXNet on every core) oversubscribes
 * the cores, and MXNet's OpenMP barriers then wait for descheduled threads; measured by scripts/bench-ceiling,
 * the lanes reach the pipeline bound, the other layout did not (README, Performance).
 *
 * <p>A lane takes up to {@code take} waiting inputs at once and hands them to the {@link Work}, which completes
 * each input's future: an input that fails on its own (an unreadable image) completes exceptionally with its own
 * error. A {@link RuntimeException} or {@link Error} the work throws is not one input's fault (the model cannot
 * score): it fails what that lane held and everything waiting, and every later submission, so the run stops.
 *
 * @param <T> what one submission carries (an image to tag, a chunk of a catalog to embed)
 * @param <R> what it completes with
 */
public final class Lanes<T, R> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Lanes.class);
    /** How long {@link #close()} waits for the lanes' threads: one batch inside MXNet, with a wide margin. */
    private static final long STOP_SECONDS = 60;

    /**
     * How the lanes work: one typed place for what {@code tag}, {@code index}, {@code dedupe},
     * {@code eval-duplicates} and the admin API's index builds run on.
     *
     * @param lanes threads that read, decode and score
     * @param maxBatch most images a lane scores at once ({@code inference.max-batch})
     * @param ompThreads OpenMP threads each lane's inference uses (1: the lanes themselves fill the cores)
     * @param maxFileBytes largest image file read ({@code server.max-body-bytes})
     */
    public record Settings(int lanes, int maxBatch, int ompThreads, long maxFileBytes) {
        /** Validates the settings. */
        public Settings {
            if (lanes < 1 || maxBatch < 1 || ompThreads < 1 || maxFileBytes < 1) {
                throw new IllegalArgumentException("lanes, batch, OpenMP threads and file size must be >= 1");
            }
        }

        /**
         * Returns the lanes of bulk work: {@code lanes} lanes, batches of {@code inference.max-batch}, one OpenMP
         * thread each (the lanes fill the cores), files up to {@code server.max-body-bytes}.
         *
         * @param lanes how many (the commands' {@code --threads}, the number of cores by default)
         */
        public static Settings of(TaggerConfig config, int lanes) {
            return new Settings(lanes, config.inference().maxBatch(), 1, config.server().maxBodyBytes());
        }

        /** Returns how many images a run should keep in flight: a full next batch waiting for every lane. */
        public int window() {
            return lanes * maxBatch * 2;
        }
    }

    /**
     * One submission and its result.
     *
     * @param input what was submitted
     * @param result what the work completes
     */
    public record Job<T, R>(T input, CompletableFuture<R> result) {}

    /** What a lane does with the inputs it took. */
    @FunctionalInterface
    public interface Work<T, R> {
        /**
         * Runs on a lane's thread with that lane's classifier; completes every job's result.
         *
         * @throws RuntimeException when the model cannot score (not one input's fault): every lane stops
         */
        void run(BatchClassifier classifier, List<Job<T, R>> jobs);
    }

    private final ServingModel model;
    private final Settings settings;
    private final int take;
    private final Work<T, R> work;
    private final BlockingQueue<Job<T, R>> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> broken = new AtomicReference<>();
    private volatile boolean closed;

    /**
     * Starts the lanes over a loaded model; the caller keeps ownership of the model.
     *
     * @param name the threads' name ({@code NAME-1}, ...)
     * @param take most waiting inputs a lane takes at once
     */
    Lanes(ServingModel model, Settings settings, String name, int take, Work<T, R> work) {
        if (take < 1) {
            throw new IllegalArgumentException("a lane takes at least one input");
        }
        this.model = model;
        this.settings = settings;
        this.take = take;
        this.work = work;
        for (int i = 0; i < settings.lanes(); i++) {
            Thread t = new Thread(this::lane, name + "-" + (i + 1));
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Returns the settings the lanes run with. */
    Settings settings() {
        return settings;
    }

    /** Queues one input for the next free lane; the future fails at once when the lanes have stopped. */
    CompletableFuture<R> submit(T input) {
        Throwable e = broken.get();
        if (e != null) {
            return CompletableFuture.failedFuture(e);
        }
        Job<T, R> job = new Job<>(input, new CompletableFuture<>());
        queue.add(job);
        e = broken.get();
        if (e != null) {
            job.result().completeExceptionally(e); // the lanes may have stopped before they saw it
        }
        return job.result();
    }

    /**
     * Cancels the inputs no lane has taken yet (their futures are cancelled); what the lanes hold finishes. The
     * queue is first in, first out, so what finishes is everything submitted before the first cancelled input.
     */
    void cancelWaiting() {
        for (Job<T, R> j; (j = queue.poll()) != null; ) {
            j.result().cancel(false);
        }
    }

    private void lane() {
        if (!OpenMpThreads.limitCallingThread(settings.ompThreads())) {
            LOG.warn("no OpenMP runtime found; lanes run MXNet with OMP_NUM_THREADS threads each");
        }
        List<Job<T, R>> jobs = new ArrayList<>(take);
        try (BatchClassifier classifier = model.newBatchClassifier(settings.maxBatch())) {
            while (!closed) {
                Job<T, R> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                jobs.clear();
                jobs.add(first);
                queue.drainTo(jobs, take - 1);
                work.run(classifier, jobs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // Not one input's fault (the model cannot score): fail what is waiting so the run stops.
            broken.compareAndSet(null, e);
            jobs.forEach(j -> j.result().completeExceptionally(e));
            for (Job<T, R> j; (j = queue.poll()) != null; ) {
                j.result().completeExceptionally(e);
            }
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    /**
     * Stops the lanes' threads and waits for them to end, so that the caller may close the model next: work in
     * flight is abandoned (a batch inside MXNet finishes first), waiting inputs are cancelled.
     */
    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
        cancelWaiting();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_SECONDS);
        try {
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (t.isAlive()) {
                    LOG.warn("{} did not stop within {} s", t.getName(), STOP_SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
