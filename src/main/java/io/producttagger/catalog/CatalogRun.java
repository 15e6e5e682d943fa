package io.producttagger.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Tags a whole catalog: streams the source, skips the ids the output already holds, keeps a bounded window of
 * images in flight through the {@link Tagger}, and writes each row as it completes.
 *
 * <p>Memory is bounded by the window, not the catalog: the source is read one item ahead of the work, and
 * each result is written and dropped. An image that cannot be tagged gets a row with its error; any other
 * failure stops the run after the images in flight finish, and is rethrown, so a resumed run retries the
 * rest. {@link #cancel()} stops the run the same way without an error.
 */
public final class CatalogRun {

    /**
     * How a run behaves.
     *
     * @param window most images in flight (read, decoded, queued or being inferred)
     * @param failuresListed how many failed ids the summary keeps
     */
    public record Settings(int window, int failuresListed) {
        /** Validates the settings. */
        public Settings {
            if (window < 1 || failuresListed < 0) {
                throw new IllegalArgumentException("the window must be >= 1");
            }
        }
    }

    /** Receives progress, e.g. to draw a progress bar; called from the tagger's threads. */
    public interface Listener {
        /**
         * Called once before the first image.
         *
         * @param total items in the input
         * @param alreadyDone items the output already holds (skipped)
         * @param previousFailures of those, how many carry an error
         */
        default void onStart(long total, long alreadyDone, long previousFailures) {}

        /**
         * Called after each row is written.
         *
         * @param row the row
         * @param done rows written in this run
         * @param failed failed rows in this run
         */
        default void onRow(CatalogRow row, long done, long failed) {}

        /** A listener that ignores everything. */
        Listener NONE = new Listener() { };
    }

    /**
     * The outcome of a run.
     *
     * @param total items in the input
     * @param skipped items already in the output from an earlier run
     * @param tagged images tagged in this run
     * @param failed images that failed in this run
     * @param previousFailed failed rows an earlier run left in the output
     * @param seconds wall time of the run
     * @param failures the first failures ({@code id: error})
     * @param cancelled whether the run was cancelled before the end
     * @param cpuSeconds CPU time the process used during the run (every thread), NaN if unknown
     */
    public record Summary(long total, long skipped, long tagged, long failed, long previousFailed, double seconds,
            List<String> failures, boolean cancelled, double cpuSeconds) {
        /** Copies the failures. */
        public Summary {
            failures = List.copyOf(failures);
        }

        /** Returns the images per second of this run (tagged and failed). */
        public double imagesPerSecond() {
            return seconds > 0 ? (tagged + failed) / seconds : 0;
        }

        /** Returns the CPU milliseconds one image of this run cost (tagged and failed), NaN if unknown. */
        public double cpuMsPerImage() {
            long n = tagged + failed;
            return n > 0 ? 1000 * cpuSeconds / n : Double.NaN;
        }

        /** Returns whether every row of the output carries labels. */
        public boolean allTagged() {
            return failed == 0 && previousFailed == 0;
        }
    }

    private final Tagger tagger;
    private final ResultWriter writer;
    private final Settings settings;
    private final Listener listener;
    private volatile boolean cancelled;

    /** Creates a run; nothing happens until {@link #run(CatalogSource)}. */
    public CatalogRun(Tagger tagger, ResultWriter writer, Settings settings, Listener listener) {
        this.tagger = tagger;
        this.writer = writer;
        this.settings = settings;
        this.listener = listener;
    }

    /** Asks the run to stop: no new images start, those in flight are written, then {@code run} returns. */
    public void cancel() {
        cancelled = true;
    }

    /**
     * Tags every item of the source that the output does not hold yet, blocking until done.
     *
     * @throws CatalogException when a failure other than one image's stops the run (rows written so far stay)
     */
    public Summary run(CatalogSource source) {
        long start = System.nanoTime();
        double cpu = ProcessCpu.seconds();
        long total = source.count();
        ResultWriter.Existing existing = writer.existing();
        Set<String> done = existing.doneIds();
        listener.onStart(total, done.size(), existing.failed());
        Semaphore window = new Semaphore(settings.window());
        AtomicLong written = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> fatal = new AtomicReference<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        long skipped = 0;
        try (Stream<CatalogItem> items = source.items()) {
            var it = items.iterator();
            while (it.hasNext() && !cancelled && fatal.get() == null) {
                CatalogItem item = it.next();
                if (done.contains(item.id())) {
                    skipped++;
                    continue;
                }
                window.acquireUninterruptibly();
                if (cancelled || fatal.get() != null) {
                    window.release();
                    break;
                }
                start(item).whenComplete((tagging, error) -> {
                    try {
                        CatalogRow row = row(item, tagging, error);
                        if (row == null) {
                            fatal.compareAndSet(null, unwrap(error));
                            return;
                        }
                        writer.write(row);
                        if (row.isFailure()) {
                            failed.incrementAndGet();
                            if (failures.size() < settings.failuresListed()) {
                                failures.add(item.id() + ": " + row.error());
                            }
                        }
                        listener.onRow(row, written.incrementAndGet(), failed.get());
                    } catch (RuntimeException e) {
                        fatal.compareAndSet(null, e);
                    } finally {
                        window.release();
                    }
                });
            }
        } finally {
            window.acquireUninterruptibly(settings.window());
        }
        Throwable f = fatal.get();
        if (f != null) {
            throw f instanceof CatalogException c ? c
                    : new CatalogException("the run stopped: " + f.getMessage(), f);
        }
        long n = written.get();
        return new Summary(total, skipped, n - failed.get(), failed.get(), existing.failed(),
                (System.nanoTime() - start) / 1e9, failures, cancelled, ProcessCpu.seconds() - cpu);
    }

    private CompletableFuture<Tagging> start(CatalogItem item) {
        if (item.problem() != null) {
            return CompletableFuture.failedFuture(new CatalogException.ImageFailed(item.problem()));
        }
        try {
            return tagger.tag(item);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Returns the row for an outcome, or null when the failure is not the image's and must stop the run. */
    private static CatalogRow row(CatalogItem item, Tagging tagging, Throwable error) {
        if (error == null) {
            return CatalogRow.tagged(item, tagging);
        }
        Throwable cause = unwrap(error);
        return cause instanceof CatalogException.ImageFailed ? CatalogRow.failed(item, cause.getMessage()) : null;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
