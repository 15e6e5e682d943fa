package io.producttagger.training.jobs;

import io.producttagger.config.TaggerConfig;
import io.producttagger.training.TrainingException;
import io.producttagger.training.data.DataRoot;
import io.producttagger.training.data.DatasetArchive;
import io.producttagger.training.loop.FineTune;
import io.producttagger.training.loop.FineTuneRequest;
import io.producttagger.training.loop.FineTuneSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The fine-tune service: takes a request (a data set named under the data root, or an uploaded archive with its
 * settings), fills in the {@code finetune.*} defaults, queues it as a job and answers for its jobs until it is
 * closed. It owns an upload from unpacking to deletion: the archive is unpacked under
 * {@code DATA_ROOT/uploads/ID}, the job takes the folder over, and a request refused before it became a job
 * leaves nothing behind.
 *
 * <p>Everything here is blocking (unpacking, validation against the data set and the store, job files), so
 * callers on an event loop run it on a worker.
 */
public final class FineTuneService implements AutoCloseable {

    private final TaggerConfig.FineTune settings;
    private final DataRoot dataRoot;
    private final UploadFolders uploads;
    private final DatasetArchive archive;
    private final FineTuneJobs jobs;

    /**
     * Builds the service from {@code finetune.*} and recovers the jobs a previous process left.
     *
     * @param config the data root, job folder, queue, upload limits and request defaults ({@code finetune.*})
     * @param fineTune runs the jobs (its store gives the bases and takes the new versions)
     */
    public FineTuneService(TaggerConfig config, FineTune fineTune) {
        this.settings = config.fineTune();
        // the uploads live under the same data root that requests are resolved under, by construction
        this.dataRoot = new DataRoot(settings.dataRoot());
        this.uploads = new UploadFolders(dataRoot, settings.keepUploads());
        // an archive may inflate to four times the largest upload, no more
        this.archive = new DatasetArchive(settings.maxUploadFiles(), settings.maxUploadBytes() * 4);
        this.jobs = new FineTuneJobs(fineTune, settings.jobsDir(),
                settings.queueCapacity(), uploads);
    }

    /** Returns the largest archive an upload may send, in bytes ({@code finetune.max-upload-bytes}). */
    public long maxUploadBytes() {
        return settings.maxUploadBytes();
    }

    /**
     * Queues a fine-tune of a data set named by a path relative to the data root; the data set is never deleted.
     *
     * @param dataset a folder of label folders or a {@code path,label} CSV, relative to {@code finetune.data-root}
     * @param given what the client set; the rest comes from {@code finetune.*}
     * @return the queued job
     * @throws TrainingException.Invalid when the path leaves the data root, a setting is out of range or the
     *     request cannot run (nothing is queued)
     * @throws TrainingException.QueueFull when the queue is full
     */
    public FineTuneJob submit(String dataset, FineTuneSettings given) {
        return jobs.submit(request(dataset, given));
    }

    /**
     * Queues an already built request whose data set is never deleted.
     *
     * @throws TrainingException.Invalid when the request cannot run (nothing is queued)
     * @throws TrainingException.QueueFull when the queue is full
     */
    public FineTuneJob submit(FineTuneRequest request) {
        return jobs.submit(request);
    }

    /**
     * Unpacks an uploaded archive under {@code DATA_ROOT/uploads/ID} and queues a fine-tune of it; the job owns the
     * folder and deletes it when it ends (unless {@code finetune.keep-uploads}). The settings are checked before
     * anything is unpacked; when this method throws, nothing is left on disk.
     *
     * @param zip a {@code .zip}, {@code .tar.gz} or {@code .tar} of label folders
     * @param given what the client set; the rest comes from {@code finetune.*}
     * @return the queued job
     * @throws TrainingException.Invalid when a setting is out of range, the archive is unsafe or unreadable, or the
     *     request cannot run
     * @throws TrainingException.QueueFull when the queue is full
     */
    public FineTuneJob submitArchive(byte[] zip, FineTuneSettings given) {
        request(UploadFolders.FOLDER, given); // a bad setting is refused before the archive is unpacked
        String upload = uploads.newId();
        Path folder = archive.unpack(zip, uploads.folder(upload)); // a refused archive leaves nothing behind
        try {
            return jobs.submit(request(dataRoot.root().relativize(folder).toString(), given), upload);
        } catch (RuntimeException e) {
            // the job never took the folder over, so nobody else will delete it
            uploads.delete(upload);
            throw e;
        }
    }

    /**
     * Returns a job's state.
     *
     * @throws TrainingException.UnknownJob when there is no such job
     */
    public FineTuneJob get(String id) {
        return jobs.get(id);
    }

    /** Returns a job's state if it exists. */
    public Optional<FineTuneJob> find(String id) {
        return jobs.find(id);
    }

    /**
     * Lists jobs newest first.
     *
     * @param state only jobs in this state (one of {@link FineTuneJob#STATES}), or null for all
     * @param limit most jobs returned, at least 1
     * @throws IllegalArgumentException on an unknown state or a limit below 1
     */
    public List<FineTuneJob> list(String state, int limit) {
        return jobs.list(state, limit);
    }

    /**
     * Cancels a job: a queued one never starts, a running one stops after its current step; nothing is published.
     *
     * @return the job's state after the request
     * @throws TrainingException.UnknownJob when there is no such job
     */
    public FineTuneJob cancel(String id) {
        return jobs.cancel(id);
    }

    private FineTuneRequest request(String dataset, FineTuneSettings given) {
        return given.toRequest(settings, dataRoot.resolve(dataset), dataset);
    }

    /** Stops the running job (recorded as failed) and the trainer thread; queued jobs stay queued in their files. */
    @Override
    public void close() {
        jobs.close();
    }
}
