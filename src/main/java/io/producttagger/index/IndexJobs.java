package io.producttagger.index;

import io.producttagger.catalog.CatalogException;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.Lanes;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds indexes in the background for the admin API, one job at a time (a build's lanes keep every core busy; two
 * builds would only share them), with progress and cancel. A job runs the same {@link IndexBuild}
 * as the {@code index} command, so a cancelled or failed build resumes where it stopped when submitted again.
 * Jobs live as long as the process.
 */
public final class IndexJobs implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IndexJobs.class);
    /** Jobs kept for listing; the oldest finished ones are let go beyond this. */
    private static final int KEEP = 200;

    private final IndexStore store;
    private final ModelRegistry registry;
    private final Lanes.Settings lanes;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "index-build");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    /** One job's mutable state; {@link #snapshot()} is what leaves this class. */
    private static final class Job {
        final String id = UUID.randomUUID().toString();
        final String index;
        final String input;
        final Path file;
        final String model;
        final String created = Instant.now().toString();
        final AtomicBoolean cancel = new AtomicBoolean();
        volatile String state = "queued";
        volatile long total;
        volatile long done;
        volatile IndexBuild.Result result;
        volatile String error;
        volatile String updated = created;

        Job(String index, String input, Path file, String model) {
            this.index = index;
            this.input = input;
            this.file = file;
            this.model = model;
        }

        void set(String newState) {
            state = newState;
            updated = Instant.now().toString();
        }

        IndexJob snapshot() {
            IndexBuild.Result r = result;
            return new IndexJob(id, index, input, model, state, total, done, r == null ? 0 : r.added(),
                    r == null ? 0 : r.skipped(), r == null ? List.of() : r.failures().stream().limit(20).toList(),
                    r == null ? 0 : r.failures().size(), error, created, updated);
        }
    }

    /**
     * Creates the service.
     *
     * @param store the indexes the jobs build
     * @param registry the models the jobs embed with
     * @param lanes what a build embeds on: lanes, batch size ({@code inference.max-batch}), OpenMP threads per lane
     *     and the largest catalog file read ({@code server.max-body-bytes})
     */
    public IndexJobs(IndexStore store, ModelRegistry registry, Lanes.Settings lanes) {
        this.store = store;
        this.registry = registry;
        this.lanes = lanes;
    }

    /**
     * Queues a build of {@code index} from a catalog.
     *
     * @param input the catalog as the request named it (for showing)
     * @param file the catalog resolved under the data root (a folder, or a CSV/JSONL manifest)
     * @param model {@code NAME[@VERSION]}, or null for {@code model.name}
     * @throws IndexException.InvalidName when the name is not valid
     * @throws IndexException.Busy when a job already builds that index
     * @throws CatalogException.InvalidArgument when the catalog cannot be read
     */
    public synchronized IndexJob submit(String index, String input, Path file, String model) {
        store.checkName(index);
        if (building(index)) {
            throw new IndexException.Busy("a job is building index '" + index + "' already; wait for it or cancel "
                    + "it");
        }
        CatalogSource.open(file, new ObjectMapper()); // a missing or malformed catalog is refused now, not later
        Job job = new Job(index, input, file, model);
        jobs.put(job.id, job);
        trim();
        runner.submit(() -> run(job));
        return job.snapshot();
    }

    private void run(Job job) {
        if (job.cancel.get()) {
            job.set("cancelled");
            return;
        }
        job.set("running");
        try (ModelRegistry.Lease lease = registry.acquire(job.model, ModelOutput.EMBEDDING)) {
            CatalogSource source = CatalogSource.open(job.file, new ObjectMapper());
            job.total = source.count();
            try (VectorIndex index = store.openForBuild(job.index, IndexBuild.meta(lease.model()))) {
                job.result = IndexBuild.run(source, lease.model(), lanes, index, n -> job.done += n,
                        job.cancel::get);
            }
            job.set(job.result.cancelled() ? "cancelled" : "succeeded");
        } catch (RuntimeException e) {
            job.error = CatalogException.describe(e);
            job.set("failed");
            LOG.warn("index build {} of '{}' failed: {}", job.id, job.index, job.error);
        }
    }

    /** Returns whether a queued or running job builds {@code index}. */
    public synchronized boolean building(String index) {
        return jobs.values().stream().anyMatch(j -> j.index.equals(index) && !j.snapshot().finished());
    }

    /** Returns the jobs, newest first. */
    public synchronized List<IndexJob> list() {
        List<IndexJob> out = new ArrayList<>();
        jobs.values().forEach(j -> out.add(0, j.snapshot()));
        return out;
    }

    /**
     * Returns one job.
     *
     * @throws IndexException.UnknownJob when there is none with that id
     */
    public synchronized IndexJob get(String id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new IndexException.UnknownJob("there is no index build job '" + id + "' (jobs last as long as "
                    + "the server process); list them with GET /admin/v1/index-builds");
        }
        return job.snapshot();
    }

    /**
     * Asks a job to stop: a queued one never starts, a running one commits what it added and ends
     * {@code cancelled}; a finished one is left as it is.
     *
     * @throws IndexException.UnknownJob when there is none with that id
     */
    public synchronized IndexJob cancel(String id) {
        get(id);
        Job job = jobs.get(id);
        job.cancel.set(true);
        if (job.state.equals("queued")) {
            job.set("cancelled");
        }
        return job.snapshot();
    }

    /**
     * Deletes an index that no job is building.
     *
     * @throws IndexException.Busy when a job builds it
     * @throws IndexException.UnknownIndex when there is none
     */
    public synchronized void delete(String index) {
        if (building(index)) {
            throw new IndexException.Busy("a job is building index '" + index + "'; cancel it first "
                    + "(DELETE /admin/v1/index-builds/ID)");
        }
        store.delete(index);
    }

    private void trim() {
        var it = jobs.values().iterator();
        while (jobs.size() > KEEP && it.hasNext()) {
            if (it.next().snapshot().finished()) {
                it.remove();
            }
        }
    }

    /** Cancels every job and waits (up to 30 s) for the running one to commit and stop. */
    @Override
    public void close() {
        synchronized (this) {
            jobs.values().forEach(j -> j.cancel.set(true));
        }
        runner.shutdown();
        try {
            runner.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
