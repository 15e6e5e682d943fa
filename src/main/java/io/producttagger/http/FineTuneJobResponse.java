package io.producttagger.http;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.producttagger.training.jobs.FineTuneJob;
import java.util.List;
import java.util.Map;

/**
 * A fine-tune job as the admin API shows it ({@code GET /admin/v1/fine-tunes/{id}}, each entry of a listing, each
 * event of a stream): the {@code FineTuneJob} schema of the admin OpenAPI document. It is mapped from the job
 * system's {@link FineTuneJob} in {@link #of} only, so a rename inside training cannot change the API.
 *
 * <p>The JSON is flat; the progress and the outcome are records of their own here, unwrapped into the same object.
 *
 * @param id the job id
 * @param state {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code cancelled}
 * @param request what was asked: data set, base, target name and settings
 * @param upload the uploaded data set's folder under {@code DATA_ROOT/uploads}, null for a data set named by path
 * @param progress where a run is
 * @param outcome what it produced, or why it did not
 * @param created when it was submitted, ISO-8601
 * @param updated when this state was recorded, ISO-8601
 */
public record FineTuneJobResponse(String id, String state, Map<String, Object> request, String upload,
        @JsonUnwrapped Progress progress, @JsonUnwrapped Outcome outcome, String created, String updated) {

    /**
     * Where a run is.
     *
     * @param phase one of {@code FineTuneJob.PHASES} ({@code loading}, {@code features}, {@code head},
     *     {@code full}) while running
     * @param epoch the current 1-based epoch over both phases
     * @param epochs planned epochs
     * @param step the current step within the epoch
     * @param stepsPerEpoch steps per epoch
     * @param loss the last step's loss, null before the first
     * @param validationAccuracy the last epoch's validation top-1, null before the first
     * @param etaSeconds estimated seconds left, null when unknown
     * @param history every finished epoch, oldest first
     */
    public record Progress(String phase, int epoch, int epochs, int step, int stepsPerEpoch, Double loss,
            Double validationAccuracy, Long etaSeconds, List<Epoch> history) {}

    /**
     * One finished epoch: a point on the console's loss and validation-accuracy curves.
     *
     * @param epoch its 1-based number over both phases
     * @param phase {@code head} or {@code full}
     * @param loss the mean training loss of the epoch
     * @param validationAccuracy the validation top-1 after it, -1 without validation
     */
    public record Epoch(int epoch, String phase, double loss, double validationAccuracy) {}

    /**
     * What a job produced.
     *
     * @param model the target model
     * @param version the published version, on success
     * @param report the evaluation report, on success (the {@code Report} schema)
     * @param skipped images left out because they could not be read, on success
     * @param error why the job failed or was cancelled
     */
    public record Outcome(String model, String version, Map<String, Object> report, List<Skipped> skipped,
            String error) {}

    /**
     * An image a fine-tune left out.
     *
     * @param file its path in the data set
     * @param reason why it could not be read
     */
    public record Skipped(String file, String reason) {}

    /**
     * The answer to a submission (202): where to follow the job.
     *
     * @param id the job id
     * @param status the job's URL
     * @param state {@code queued}
     */
    public record Accepted(String id, String status, String state) {}

    /**
     * The answer to a listing.
     *
     * @param jobs newest first
     */
    public record Listing(List<FineTuneJobResponse> jobs) {}

    /** Maps a job of the job system to its API shape: the one place the two meet. */
    public static FineTuneJobResponse of(FineTuneJob job) {
        List<Epoch> history = job.history().stream()
                .map(p -> new Epoch(p.epoch(), p.phase(), p.loss(), p.validationAccuracy())).toList();
        List<Skipped> skipped = job.skipped() == null ? null : job.skipped().stream()
                .map(s -> new Skipped(s.get("file"), s.get("reason"))).toList();
        return new FineTuneJobResponse(job.id(), job.state(), job.request(), job.upload(),
                new Progress(job.phase(), job.epoch(), job.epochs(), job.step(), job.stepsPerEpoch(), job.loss(),
                        job.validationAccuracy(), job.etaSeconds(), history),
                new Outcome(job.model(), job.version(), job.report(), skipped, job.error()),
                job.created(), job.updated());
    }

    /** Maps a listing of jobs, keeping their order. */
    public static Listing listing(List<FineTuneJob> jobs) {
        return new Listing(jobs.stream().map(FineTuneJobResponse::of).toList());
    }
}
