package io.producttagger.catalog;

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
 * Tags images in this process on a fixed number of lanes (all cores by default): each lane thread takes the
 * next batch of waiting images, reads and decodes them, and scores them with its own
 * {@link BatchClassifier} on one OpenMP thread.
 *
 * <p>Why lanes and not a decode pool in front of the server's batching classifier: bulk tagging only needs
 * throughput, and one runnable thread per core is what lets decoding and inference share the cores without
 * loss. The server's layout (decode threads plus an inference worker running MXNet on every core) oversubscribes
 * the cores, and MXNet's OpenMP barriers then wait for descheduled threads; measured by scripts/bench-ceiling,
 * the lanes reach the pipeline bound, the other layout did not (README, Performance).
 */
public final class InProcessTagger implements Tagger {

    private static final Logger LOG = LoggerFactory.getLogger(InProcessTagger.class);

    /**
     * How the lanes work.
     *
     * @param lanes threads that read, decode and score
     * @param maxBatch most images a lane scores at once
     * @param ompThreads OpenMP threads each lane's inference uses (1: the lanes themselves fill the cores)
     * @param maxFileBytes largest image file read
     * @param topK labels per image
     * @param threshold lowest probability reported
     */
    public record Settings(int lanes, int maxBatch, int ompThreads, long maxFileBytes, int topK, double threshold) {
        /** Validates the settings. */
        public Settings {
            if (lanes < 1 || maxBatch < 1 || ompThreads < 1 || maxFileBytes < 1 || topK < 1) {
                throw new IllegalArgumentException("lanes, batch, OpenMP threads, file size and top-k must be >= 1");
            }
        }

        /** Returns how many images a run should keep in flight: a full next batch waiting for every lane. */
        public int window() {
            return lanes * maxBatch * 2;
        }
    }

    private record Pending(CatalogItem item, CompletableFuture<Tagging> result) {}

    private final ServingModel model;
    private final Settings settings;
    private final ImageFiles files;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> lanes = new ArrayList<>();
    private final AtomicReference<RuntimeException> broken = new AtomicReference<>();
    private volatile boolean closed;

    /**
     * Starts the lanes over a loaded model; the caller keeps ownership of the model.
     *
     * @param model the model (pipeline + network)
     * @param settings lanes, batch and output settings
     */
    public InProcessTagger(ServingModel model, Settings settings) {
        this.model = model;
        this.settings = settings;
        this.files = new ImageFiles(settings.maxFileBytes());
        for (int i = 0; i < settings.lanes(); i++) {
            Thread t = new Thread(this::lane, "catalog-lane-" + (i + 1));
            t.setDaemon(true);
            lanes.add(t);
            t.start();
        }
    }

    @Override
    public CompletableFuture<Tagging> tag(CatalogItem item) {
        RuntimeException e = broken.get();
        if (e != null) {
            return CompletableFuture.failedFuture(e);
        }
        Pending p = new Pending(item, new CompletableFuture<>());
        queue.add(p);
        e = broken.get();
        if (e != null) {
            p.result().completeExceptionally(e); // the lanes may have stopped before they saw it
        }
        return p.result();
    }

    private void lane() {
        if (!OpenMpThreads.limitCallingThread(settings.ompThreads())) {
            LOG.warn("no OpenMP runtime found; lanes run MXNet with OMP_NUM_THREADS threads each");
        }
        List<Pending> batch = new ArrayList<>(settings.maxBatch());
        try (BatchClassifier classifier = model.newBatchClassifier(settings.maxBatch())) {
            while (!closed) {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, settings.maxBatch() - 1);
                run(classifier, batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Not one image's fault (the model cannot score): fail what is waiting so the run stops.
            broken.compareAndSet(null, e);
            batch.forEach(p -> p.result().completeExceptionally(e));
            for (Pending p; (p = queue.poll()) != null; ) {
                p.result().completeExceptionally(e);
            }
        }
    }

    private void run(BatchClassifier classifier, List<Pending> batch) {
        List<Pending> readable = new ArrayList<>(batch.size());
        List<byte[]> bytes = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            try {
                bytes.add(files.read(p.item()));
                readable.add(p);
            } catch (CatalogException.ImageFailed e) {
                p.result().completeExceptionally(e);
            }
        }
        List<BatchClassifier.Outcome> outcomes = classifier.classify(bytes, settings.topK(), settings.threshold());
        String name = model.manifest().name();
        String version = model.manifest().version();
        for (int i = 0; i < readable.size(); i++) {
            BatchClassifier.Outcome o = outcomes.get(i);
            CompletableFuture<Tagging> result = readable.get(i).result();
            if (o.isFailure()) {
                result.completeExceptionally(new CatalogException.ImageFailed(o.error()));
            } else {
                result.complete(new Tagging(o.labels(), name, version));
            }
        }
    }

    @Override
    public String describe() {
        return model.id() + " in-process (" + settings.lanes() + " lanes, batches of " + settings.maxBatch() + ")";
    }

    @Override
    public void close() {
        closed = true;
        lanes.forEach(Thread::interrupt);
    }
}
