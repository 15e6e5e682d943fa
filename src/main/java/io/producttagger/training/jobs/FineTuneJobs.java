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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fine-tune job queue: one dedicated trainer thread runs one job at a time (MXNet's OpenMP threads are
 * process-wide, so parallel jobs would only fight over the cores), further jobs wait in a bounded queue.
 *
 * <p>Every state change is written atomically to {@code ID.json} in the jobs folder. On start, jobs found
 * {@code queued} or {@code running} there were interrupted by a restart: they are marked {@code failed} and
 * nothing about the serving model changes.
 *
 * <p>A job submitted with an uploaded data set owns its folder under {@code DATA_ROOT/uploads}: when the job
 * ends (succeeded, failed, cancelled) the folder is deleted, unless {@code finetune.keep-uploads}; on start, the
 * folders of recovered jobs go the same way. A folder is kept while a queued or running job's data set, named by
 * path, lies inside it. Data sets named by path are never deleted.
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
    private final UploadFolders uploads;
    private final ThreadPoolExecutor trainer;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Map<String, FineTuneJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> cancels = new ConcurrentHashMap<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** The data set of every queued or running job, to keep an upload another job reads by path. */
    private final Map<String, Path> datasetsInUse = new ConcurrentHashMap<>();
    /** Uploads whose jobs have ended, waiting until no queued or running job reads them. */
    private final Set<String> uploadsToDelete = ConcurrentHashMap.newKeySet();

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
     * Opens the queue with the clock that stamps every job state: the moment a thread reads it lies between its
     * decision on a job's next state and storing that state, which is where tests stop a thread to force an
     * interleaving.
     */
    FineTuneJobs(FineTune fineTune, Path folder, int queueCapacity, UploadFolders uploads, Clock clock) {
        this.fineTune = fineTune;
        this.clock = clock;
        this.folder = folder.toAbsolutePath().normalize();
        this.uploads = uploads;
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
    public FineTuneJob submit(FineTuneRequest request, String upload) {
        if (upload != null && !UploadFolders.isId(upload)) {
            throw new IllegalArgumentException("'" + upload + "' is not an upload id");
        }
        fineTune.validate(request);
        String id = UUID.randomUUID().toString();
        String now = now();
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("dataset", request.datasetName());
        described.put("baseModel", request.baseSpec());
        described.put("name", request.name());
        described.put("headOnlyEpochs", request.headOnlyEpochs());
        described.put("epochs", request.epochs());
        described.put("headLearningRate", request.headLearningRate());
        described.put("learningRate", request.learningRate());
        described.put("batchSize", request.batchSize());
        described.put("validationFraction", request.validationFraction());
        described.put("color", request.color());
        FineTuneJob job = FineTuneJob.builder().setId(id).setState(FineTuneJob.QUEUED).optRequest(described)
                .optCreated(now).optUpload(upload).optEpochs(request.headOnlyEpochs() + request.epochs())
                .optModel(request.name()).build();
        AtomicBoolean cancel = new AtomicBoolean();
        cancels.put(id, cancel);
        datasetsInUse.put(id, request.dataset().toAbsolutePath().normalize());
        update(job);
        try {
            trainer.execute(() -> run(id, request, cancel));
        } catch (RejectedExecutionException e) {
            jobs.remove(id);
            cancels.remove(id);
            datasetsInUse.remove(id);
            deleteQuietly(file(id));
            throw new TrainingException.QueueFull("the fine-tune queue is full (" + trainer.getQueue().size()
                    + " waiting, finetune.queue-capacity); retry when a job has finished");
        }
        return job;
    }

    /**
     * Returns a job's state.
     *
     * @throws TrainingException.UnknownJob when there is no such job
     */
    public FineTuneJob get(String id) {
        FineTuneJob job = id == null ? null : jobs.get(id);
        if (job == null) {
            throw new TrainingException.UnknownJob("no fine-tune job with id '" + id + "'");
        }
        return job;
    }

    /** Returns a job's state if it exists. */
    public Optional<FineTuneJob> find(String id) {
        return Optional.ofNullable(id == null ? null : jobs.get(id));
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
        return jobs.values().stream().filter(j -> state == null || state.equals(j.state()))
                .sorted(NEWEST_FIRST).limit(limit).toList();
    }

    /**
     * Cancels a job: a queued one never starts, a running one stops after its current step; nothing is published.
     *
     * @return the job's state after the request
     */
    public FineTuneJob cancel(String id) {
        FineTuneJob job = get(id);
        AtomicBoolean flag = cancels.get(id);
        if (flag != null && !job.finished()) {
            flag.set(true);
            if (FineTuneJob.QUEUED.equals(job.state())) {
                update(ended(job.withState(FineTuneJob.CANCELLED, "cancelled before it started", now())));
            }
        }
        return get(id);
    }

    private void run(String id, FineTuneRequest request, AtomicBoolean cancel) {
        if (cancel.get() || get(id).finished()) {
            return;
        }
        update(get(id).withState(FineTuneJob.RUNNING, null, now()));
        try {
            long[] lastWrite = {0};
            FineTune.Outcome outcome = fineTune.run(request, p -> {
                FineTuneJob next = get(id).withProgress(p, now());
                // the file need not follow every step; clients read memory
                boolean write = System.nanoTime() - lastWrite[0] > 2_000_000_000L;
                if (write) {
                    lastWrite[0] = System.nanoTime();
                }
                update(next, write);
            }, cancel::get);
            update(ended(get(id).withOutcome(outcome, now())));
            LOG.info("fine-tune {} published {}@{}", id, outcome.manifest().name(), outcome.manifest().version());
        } catch (RuntimeException | Error e) {
            boolean cancelled = cancel.get() && !closing.get();
            String error = closing.get() ? "interrupted by a shutdown; nothing was published, submit it again"
                    : cancelled ? "cancelled; nothing was published" : message(e);
            update(ended(get(id).withState(cancelled ? FineTuneJob.CANCELLED : FineTuneJob.FAILED, error, now())));
            if (!cancelled) {
                LOG.warn("fine-tune {} failed", id, e);
            }
        } finally {
            cancels.remove(id);
        }
    }

    private FineTuneJob update(FineTuneJob job) {
        return update(job, true);
    }

    /**
     * Lets go of a job about to be stored in its final state: its upload goes once no other job reads it. This runs
     * before the final state is visible, so whoever sees the job ended sees its upload gone too.
     */
    private FineTuneJob ended(FineTuneJob job) {
        datasetsInUse.remove(job.id());
        if (job.upload() != null && !uploads.keep()) {
            uploadsToDelete.add(job.upload());
        }
        deleteUnusedUploads();
        return job;
    }

    private synchronized void deleteUnusedUploads() {
        for (String upload : List.copyOf(uploadsToDelete)) {
            if (!UploadFolders.isId(upload)) {
                LOG.warn("a fine-tune job names upload '{}', which is not an upload id; nothing deleted", upload);
                uploadsToDelete.remove(upload);
                continue;
            }
            Path uploaded = uploads.folder(upload).toAbsolutePath().normalize();
            if (datasetsInUse.values().stream().noneMatch(d -> d.startsWith(uploaded))) {
                uploads.delete(upload);
                uploadsToDelete.remove(upload);
            }
        }
    }

    private FineTuneJob update(FineTuneJob job, boolean persist) {
        jobs.put(job.id(), job);
        if (persist) {
            write(job);
        }
        return job;
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
                    jobs.put(job.id(), job);
                    if (job.upload() != null && !uploads.keep()) {
                        uploadsToDelete.add(job.upload());
                    }
                } catch (IOException e) {
                    LOG.warn("ignoring unreadable fine-tune job file {}: {}", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the fine-tune jobs folder " + folder, e);
        }
        // every recovered job has ended by now
        deleteUnusedUploads();
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
        cancels.values().forEach(c -> c.set(true));
        trainer.shutdownNow();
        try {
            trainer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
