package io.producttagger.catalog;

import io.producttagger.model.BatchClassifier;
import io.producttagger.model.InferencePool;
import io.producttagger.model.OpenMpThreads;
import io.producttagger.model.ServingModel;
import io.producttagger.vision.VisionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Measures the stages of in-process tagging one at a time, on images held in memory, in one warm JVM:
 * decoding + preprocessing on every lane, then inference alone at full batches, both as the lanes of
 * {@link InProcessTagger} run it (one OpenMP thread per lane) and as the server's batching {@link InferencePool}
 * runs it (its workers with {@code OMP_NUM_THREADS}). The stages share the cores, so a pipeline that runs both
 * can at best spend {@code 1/decode + 1/inference} seconds per image, with the faster of the two inference
 * layouts: {@link Result#bound()}.
 *
 * <p>This is the yardstick for {@code tag} in-process (scripts/bench-ceiling): nothing that reads files,
 * writes rows or overlaps the stages can beat it, so the ratio of {@code tag}'s images/s to the bound says
 * how much the pipeline loses to its own plumbing.
 */
public final class PipelineCeiling {

    /**
     * What one measurement found.
     *
     * @param images distinct images measured
     * @param lanes threads that decoded, and lanes that scored
     * @param decodePerSecond decode + preprocess images/s on every lane
     * @param lanesInferencePerSecond inference images/s of the lanes at full batches
     * @param classifierInferencePerSecond inference images/s through the server's batching classifier
     * @param classifierMeanBatch the mean batch the classifier formed meanwhile
     * @param failed images that could not be decoded (left out of every stage)
     * @param decodeCpuMs CPU milliseconds one image's decoding + preprocessing cost (all threads of the process)
     * @param lanesInferenceCpuMs CPU milliseconds one image's inference cost on the lanes
     * @param classifierInferenceCpuMs CPU milliseconds one image's inference cost through the classifier
     */
    public record Result(int images, int lanes, double decodePerSecond, double lanesInferencePerSecond,
            double classifierInferencePerSecond, double classifierMeanBatch, int failed, double decodeCpuMs,
            double lanesInferenceCpuMs, double classifierInferenceCpuMs) {

        /** Returns the faster inference of the two layouts. */
        public double inferencePerSecond() {
            return Math.max(lanesInferencePerSecond, classifierInferencePerSecond);
        }

        /**
         * Returns the CPU milliseconds an image costs at least, decoding plus the cheaper inference: what the
         * bound is when the process has every core to itself, and a yardstick that other processes' load hardly
         * moves.
         */
        public double cpuMsPerImage() {
            return decodeCpuMs + Math.min(lanesInferenceCpuMs, classifierInferenceCpuMs);
        }

        /** Returns the pipeline's bound: images/s if decoding and the faster inference shared the cores losslessly. */
        public double bound() {
            return 1 / (1 / decodePerSecond + 1 / inferencePerSecond());
        }
    }

    private final ServingModel model;
    private final Lanes.Settings lanes;
    private final int classifierWindow;
    private final double seconds;

    /**
     * Creates a measurement.
     *
     * @param model the model
     * @param lanes the lanes as {@code tag} runs them
     * @param classifierWindow images kept in flight to the server's classifier (at most its queue)
     * @param seconds measuring time per stage (after a warm-up of a third of it)
     */
    public PipelineCeiling(ServingModel model, Lanes.Settings lanes,
            int classifierWindow, double seconds) {
        if (classifierWindow < 1 || seconds <= 0) {
            throw new IllegalArgumentException("the window must be >= 1 and seconds > 0");
        }
        this.model = model;
        this.lanes = lanes;
        this.classifierWindow = classifierWindow;
        this.seconds = seconds;
    }

    /** Measures every stage on the given encoded images (at least one must decode). */
    public Result measure(List<byte[]> encoded) {
        List<byte[]> images = new ArrayList<>();
        List<float[]> tensors = new ArrayList<>();
        for (byte[] bytes : encoded) {
            try {
                float[] t = model.preprocess(bytes).tensor();
                images.add(bytes);
                if (tensors.size() < 512) {
                    tensors.add(t);
                }
            } catch (VisionException e) {
                // a broken file is no part of any stage's speed
            }
        }
        if (images.isEmpty()) {
            throw new CatalogException.InvalidArgument("none of the " + encoded.size() + " images decodes");
        }
        double[] decode = onEveryLane(next -> () -> {
            model.preprocess(images.get(Math.floorMod(next.getAndIncrement(), images.size())));
            return 1;
        });
        double[] lanesInference = onEveryLane(next -> {
            // as a lane does: one OpenMP thread, its own predictor, full batches
            OpenMpThreads.limitCallingThread(lanes.ompThreads());
            BatchClassifier classifier = model.newBatchClassifier(lanes.maxBatch());
            List<float[]> batch = new ArrayList<>(lanes.maxBatch());
            return new Work() {
                @Override
                public long run() {
                    batch.clear();
                    for (int i = 0; i < lanes.maxBatch(); i++) {
                        batch.add(tensors.get(Math.floorMod(next.getAndIncrement(), tensors.size())));
                    }
                    classifier.score(batch);
                    return batch.size();
                }

                @Override
                public void close() {
                    classifier.close();
                }
            };
        });
        long batches0 = model.pool().batchesRun();
        long images0 = model.pool().imagesRun();
        feedClassifier(tensors, seconds / 3);
        long start = System.nanoTime();
        double cpu = ProcessCpu.seconds();
        long n = feedClassifier(tensors, seconds);
        double classifierCpuMs = 1000 * (ProcessCpu.seconds() - cpu) / n;
        double classifier = n / ((System.nanoTime() - start) / 1e9);
        long batches = model.pool().batchesRun() - batches0;
        double meanBatch = batches == 0 ? 0 : (model.pool().imagesRun() - images0) / (double) batches;
        return new Result(images.size(), lanes.lanes(), decode[0], lanesInference[0], classifier, meanBatch,
                encoded.size() - images.size(), decode[1], lanesInference[1], classifierCpuMs);
    }

    /** A unit of work that returns how many images it did; closing it frees what its lane set up. */
    private interface Work extends AutoCloseable {
        long run();

        @Override
        default void close() {}
    }

    /** Something that, on a lane's thread, sets the lane up and returns its unit of work. */
    private interface LaneSetup {
        Work on(AtomicInteger next) throws Exception;
    }

    /**
     * Runs a unit of work on every lane, each lane one thread that sets itself up first: a warm-up of a third of
     * the measuring time, then the measurement, both on a common clock; returns images/s and CPU ms per image.
     */
    private double[] onEveryLane(LaneSetup setup) {
        ExecutorService pool = ImageFiles.pool("ceiling-lane", lanes.lanes());
        AtomicInteger next = new AtomicInteger();
        // measurement start and end, set when every lane is ready
        AtomicLongArray clock = new AtomicLongArray(2);
        CyclicBarrier ready = new CyclicBarrier(lanes.lanes(), () -> {
            long measureFrom = System.nanoTime() + (long) (seconds / 3 * 1e9);
            clock.set(1, measureFrom + (long) (seconds * 1e9));
            clock.set(0, measureFrom);
        });
        List<Callable<Long>> tasks = new ArrayList<>();
        for (int i = 0; i < lanes.lanes(); i++) {
            tasks.add(() -> {
                try (Work w = setup.on(next)) {
                    ready.await();
                    long n = 0;
                    for (long now = System.nanoTime(); now < clock.get(1); now = System.nanoTime()) {
                        long done = w.run();
                        n += now >= clock.get(0) ? done : 0;
                    }
                    return n;
                }
            });
        }
        try {
            List<Future<Long>> running = new ArrayList<>();
            tasks.forEach(t -> running.add(pool.submit(t)));
            double[] cpu = {cpuAt(clock, 0, running), cpuAt(clock, 1, running)};
            long total = 0;
            for (Future<Long> f : running) {
                total += f.get();
            }
            return new double[] {total / ((clock.get(1) - clock.get(0)) / 1e9), 1000 * (cpu[1] - cpu[0]) / total};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a lane failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits until {@code clock[which]} (set once every lane is ready) and returns the process's CPU seconds then. */
    private static double cpuAt(AtomicLongArray clock, int which, List<Future<Long>> lanes)
            throws InterruptedException {
        while (clock.get(0) == 0 && lanes.stream().noneMatch(Future::isDone)) {
            Thread.sleep(1);
        }
        long wait = clock.get(which) - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        return ProcessCpu.seconds();
    }

    /** Keeps the window of tensors in flight to the classifier, as a decode pool in front of it would. */
    private long feedClassifier(List<float[]> tensors, double secs) {
        InferencePool classifier = model.pool();
        Semaphore inFlight = new Semaphore(classifierWindow);
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + (long) (secs * 1e9);
        int i = 0;
        while (System.nanoTime() < end) {
            inFlight.acquireUninterruptibly();
            classifier.submit(tensors.get(i++ % tensors.size())).whenComplete((p, e) -> {
                done.incrementAndGet();
                inFlight.release();
            });
        }
        inFlight.acquireUninterruptibly(classifierWindow);
        return done.get();
    }
}
