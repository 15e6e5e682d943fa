package io.producttagger.training.jobs;

import io.producttagger.training.TrainingException;
import io.producttagger.training.loop.FineTune;
import io.producttagger.training.loop.FineTuneRequest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.producttagger.model.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fine-tune job queue: one dedicated trainer thread runs one job at a time (MXNet's OpenMP threads are
 * process-wide, so parallel jobs would only fight over the cores), further jobs wait in a bounded queue.
 *
 * <p>A job's state changes only as {@link FineTuneJob#canBecome} allows, and each change is one step under the
 * job's own lock: the state it starts from is checked, the new state stored and its file written, so two
 * threads (the trainer starting or ending a job, a client cancelling it) never both act on the same old state,
 * and a progress report never changes the state. A queued job is cancelled on the spot; a running one only
 * stops, and its run records the end.
 *
 * <p>Every state change is written atomically to {@code ID.json} in the jobs folder. On start, jobs found
 * {@code queued} or {@code running} there were interrupted by a restart: they are marked {@code failed} and
 * nothing about the serving model changes.
 *
 * <p>A job submitted with an uploaded data set owns its folder under {@code DATA_ROOT/uploads}: when the job
 * ends (succeeded, failed, cancelled) the folder is deleted, unless {@code finetune.keep-uploads}; on start, the
 * folders of recovered jobs go the same way. A folder is kept while a queued or running job, or one being
 * submitted, reads inside it ({@link UploadsInUse}): its data set lies in the folder, links to it, or is a manifest
 * whose folder holds it. Data sets named by path are never deleted.
 */
public final class FineTuneJobs implements AutoCloseable {

    /** The error recorded on jobs a restart interrupted. */
    public static final String INTERRUPTED = "interrupted by a restart; nothing was published, submit it again";

    private static final Logger LOG = LoggerFactory.getLogger(FineTuneJobs.class);

    /** Newest submission first; a creation time that does not parse (a hand-edited file) sorts last. */
    private static final Comparator<FineTuneJob> NEWEST_FIRST = Comparator
            .comparing((FineTuneJob j) -> instant(j.created())).reversed().thenComparing(FineTuneJob::id);

    private final FineTune fineTune;
    private final Clock clock;
    private final Path folder;
    private final ThreadPoolExecutor trainer;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Map<String, Slot> jobs = new ConcurrentHashMap<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final UploadsInUse inUse;

    /** One job: its latest state, the flag that stops its run, and (itself) the lock its state changes under. */
    private static final class Slot {
        final AtomicBoolean cancel = new AtomicBoolean();
        /** Written only under this slot's lock; read without it. */
        volatile FineTuneJob job;

        Slot(FineTuneJob job) {
            this.job = job;
        }
    }

    /**
     * Opens the queue and recovers the jobs a previous process left.
     *
     * @param fineTune runs the jobs
     * @param folder where job files live; created if missing
     * @param queueCapacity jobs that may wait behind the running one
     * @param uploads where uploaded data sets live, and whether they stay after their jobs end
     */
    public FineTuneJobs(FineTune fineTune, Path folder, int queueCapacity, UploadFolders uploads) {
        this(fineTune, folder, queueCapacity, uploads, Clock.systemUTC());
    }

    /**
     * Opens the queue with the clock that stamps every job state. A thread reads it once for each change it makes,
     * after it has picked the job and before the change is checked and stored, which is where tests stop a thread
     * to force an interleaving.
     */
    FineTuneJobs(FineTune fineTune, Path folder, int queueCapacity, UploadFolders uploads, Clock clock) {
        this.fineTune = fineTune;
        this.clock = clock;
        this.folder = folder.toAbsolutePath().normalize();
        this.inUse = new UploadsInUse(uploads);
        this.trainer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueCapacity),
                r -> {
                    Thread t = new Thread(r, "fine-tune");
                    t.setDaemon(true);
                    return t;
                });
        recover();
    }

    /**
     * Validates a request whose data set was named by path and queues it; the data set is never deleted.
     *
     * @return the queued job
     * @throws TrainingException.Invalid when the request cannot run (nothing is queued)
     * @throws TrainingException.QueueFull when the queue is full
     */
    public FineTuneJob submit(FineTuneRequest request) {
        return submit(request, null);
    }

    /**
     * Validates a request and queues it.
     *
     * @param upload the id of the uploaded data set's folder ({@link UploadFolders}) the job takes over and
     *     deletes when it ends, or null when the data set was named by path; when this method throws, the job
     *     took nothing over
     * @return the queued job
     * @throws TrainingException.Invalid when the request cannot run (nothing is queued)
     * @throws TrainingException.QueueFull when the queue is full
     */
    public FineTuneJob submit(FineTuneRequest asked, String upload) {
        if (upload != null && !UploadFolders.isId(upload)) {
            throw new IllegalArgumentException("'" + upload + "' is not an upload id");
        }
        String id = UUID.randomUUID().toString();
        // before validation reads the data set: from here on no ended job's upload it reads is deleted
        inUse.use(id, asked.dataset());
        try {
            // the job shows and runs the request as it will train: recipe chosen, its defaults filled in
            FineTuneRequest request = fineTune.resolve(asked);
            FineTuneJob job = queued(id, request, upload);
            Slot slot = new Slot(job);
            write(job); // before anyone can see the job, so no change of state is written over by this first file
            jobs.put(id, slot);
            try {
                trainer.execute(() -> run(slot, request));
            } catch (RejectedExecutionException e) {
                jobs.remove(id);
                deleteQuietly(file(id));
                throw new TrainingException.QueueFull("the fine-tune queue is full (" + trainer.getQueue().size()
                        + " waiting, finetune.queue-capacity); retry when a job has finished");
            }
            return job;
        } catch (RuntimeException e) {
            inUse.release(id, null); // the caller keeps the upload it offered
            throw e;
        }
    }

    /** The state of a job just submitted: what was asked, as clients and the job file show it. */
    private FineTuneJob queued(String id, FineTuneRequest request, String upload) {
        Map<String, Object> described = request.described();
        return FineTuneJob.builder().setId(id).setState(FineTuneJob.QUEUED).optRequest(described)
                .optCreated(now()).optUpload(upload).optEpochs(request.headOnlyEpochs() + request.epochs())
                .optModel(request.name()).build();
    }

    /**
     * Returns a job's state.
     *
     * @throws TrainingException.UnknownJob when there is no such job
     */
    public FineTuneJob get(String id) {
        return slot(id).job;
    }

    /** Returns a job's state if it exists. */
    public Optional<FineTuneJob> find(String id) {
        return Optional.ofNullable(id == null ? null : jobs.get(id)).map(s -> s.job);
    }

    private Slot slot(String id) {
        Slot slot = id == null ? null : jobs.get(id);
        if (slot == null) {
            throw new TrainingException.UnknownJob("no fine-tune job with id '" + id + "'");
        }
        return slot;
    }

    /**
     * Lists jobs newest first (by submission time; ties by id), including those recovered from job files.
     *
     * @param state only jobs in this state (one of {@link FineTuneJob#STATES}), or null for all
     * @param limit most jobs returned, at least 1
     * @throws IllegalArgumentException on an unknown state or a limit below 1
     */
    public List<FineTuneJob> list(String state, int limit) {
        if (state != null && !FineTuneJob.STATES.contains(state)) {
            throw new IllegalArgumentException("unknown fine-tune state '" + state + "'");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        return jobs.values().stream().map(s -> s.job).filter(j -> state == null || state.equals(j.state()))
                .sorted(NEWEST_FIRST).limit(limit).toList();
    }

    /**
     * Cancels a job: a queued one never starts, a running one stops after its current step; nothing is published.
     *
     * @return the job's state after the request: {@code cancelled} for a job that was queued, still
     *     {@code running} for one that runs (its run records the end), unchanged for one that had ended
     * @throws TrainingException.UnknownJob when there is no such job
     */
    public FineTuneJob cancel(String id) {
        Slot slot = slot(id);
        // set first: if the trainer starts the job before the state below changes, its run sees the flag
        slot.cancel.set(true);
        String at = now();
        move(slot, FineTuneJob.QUEUED, j -> j.withState(FineTuneJob.CANCELLED, "cancelled before it started", at),
                true);
        return slot.job;
    }

    private void run(Slot slot, FineTuneRequest request) {
        String id = slot.job.id();
        String started = now();
        // a job cancelled while queued stays so; one the shutdown found queued stays queued in its file
        if (closing.get() || move(slot, FineTuneJob.QUEUED, j -> j.withState(FineTuneJob.RUNNING, null, started),
                true).isEmpty()) {
            return;
        }
        try {
            long[] lastWrite = {0};
            FineTune.Outcome outcome = fineTune.run(request, p -> {
                String at = now();
                // the file need not follow every step; clients read memory
                boolean write = System.nanoTime() - lastWrite[0] > 2_000_000_000L;
                if (write) {
                    lastWrite[0] = System.nanoTime();
                }
                move(slot, FineTuneJob.RUNNING, j -> j.withProgress(p, at), write);
            }, slot.cancel::get);
            String succeeded = now();
            end(slot, j -> j.withOutcome(outcome, succeeded));
            LOG.info("fine-tune {} published {}@{}", id, outcome.manifest().name(), outcome.manifest().version());
        } catch (RuntimeException | Error e) {
            boolean cancelled = slot.cancel.get() && !closing.get();
            String error = closing.get() ? "interrupted by a shutdown; nothing was published, submit it again"
                    : cancelled ? "cancelled; nothing was published" : message(e);
            String failed = now();
            end(slot, j -> j.withState(cancelled ? FineTuneJob.CANCELLED : FineTuneJob.FAILED, error, failed));
            if (!cancelled) {
                LOG.warn("fine-tune {} failed", id, e);
            }
        }
    }

    /** Records the end of a running job's run; only the run ends a running job, so the job is still running. */
    private void end(Slot slot, UnaryOperator<FineTuneJob> end) {
        if (move(slot, FineTuneJob.RUNNING, end, true).isEmpty()) {
            LOG.error("fine-tune {} ended its run while {}; its state is left as it is", slot.job.id(),
                    slot.job.state());
        }
    }

    /**
     * Changes a job's state if it is in {@code from}: the check, the change, letting go of a job that ends and
     * writing its file are one step under the job's lock, so no other change comes between.
     *
     * @param change the new state from the current one; it must be a move {@link FineTuneJob#canBecome} allows
     * @param persist whether the job file follows (every change but most progress reports)
     * @return the new state, or empty when the job was not in {@code from} (nothing changed)
     */
    private Optional<FineTuneJob> move(Slot slot, String from, UnaryOperator<FineTuneJob> change, boolean persist) {
        synchronized (slot) {
            FineTuneJob current = slot.job;
            if (!current.state().equals(from)) {
                return Optional.empty();
            }
            FineTuneJob next = change.apply(current);
            if (!current.canBecome(next.state())) {
                throw new IllegalStateException("fine-tune " + current.id() + " cannot go from " + current.state()
                        + " to " + next.state());
            }
            if (next.finished()) {
                ended(next);
            }
            slot.job = next;
            if (persist) {
                write(next);
            }
            return Optional.of(next);
        }
    }

    /**
     * Lets go of a job about to be stored in its final state: its upload goes once no other job reads it. This runs
     * before the final state is visible, so whoever sees the job ended sees its upload gone too.
     */
    private void ended(FineTuneJob job) {
        inUse.release(job.id(), job.upload());
    }

    /** Writes a job file atomically: a temporary file in the same folder, then a rename. */
    private void write(FineTuneJob job) {
        try {
            Files.createDirectories(folder);
            AtomicFiles.replace(file(job.id()), tmp -> json.writeValue(tmp.toFile(), job));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fine-tune job file in " + folder, e);
        }
    }

    private void recover() {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                try {
                    FineTuneJob job = json.readValue(f.toFile(), FineTuneJob.class);
                    if (!job.finished()) {
                        String was = job.state();
                        job = job.withState(FineTuneJob.FAILED, INTERRUPTED, now());
                        write(job);
                        LOG.warn("fine-tune {} was {} when the service stopped; marked failed", job.id(), was);
                    }
                    jobs.put(job.id(), new Slot(job));
                    // every recovered job has ended by now, and none runs yet: its upload goes
                    ended(job);
                } catch (IOException e) {
                    LOG.warn("ignoring unreadable fine-tune job file {}: {}", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the fine-tune jobs folder " + folder, e);
        }
    }

    private Path file(String id) {
        return folder.resolve(id + ".json");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // an orphan job file is recovered as failed on the next start
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static Instant instant(String iso) {
        try {
            return iso == null ? Instant.MIN : Instant.parse(iso);
        } catch (DateTimeParseException e) {
            return Instant.MIN;
        }
    }

    private String now() {
        return clock.instant().toString();
    }

    /** Stops the running job (recorded as failed) and the trainer thread; queued jobs stay queued in their files. */
    @Override
    public void close() {
        closing.set(true);
        jobs.values().forEach(s -> s.cancel.set(true));
        trainer.shutdownNow();
        try {
            trainer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
