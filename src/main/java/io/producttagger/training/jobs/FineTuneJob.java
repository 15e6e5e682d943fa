package io.producttagger.training.jobs;

import io.producttagger.training.loop.FineTune;

import java.util.List;
import java.util.Map;

/**
 * The state of one fine-tune job as clients and the job file see it.
 *
 * @param id the job id
 * @param state {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code cancelled}
 * @param request what was asked: data set, base, target name and settings
 * @param upload the id of the uploaded data set's folder ({@code DATA_ROOT/uploads/ID}), removed when the job
 *     ends unless {@code finetune.keep-uploads}; null when the data set was named by path (never removed)
 * @param phase {@code loading}, {@code head} or {@code full} while running
 * @param epoch the current 1-based epoch
 * @param epochs planned epochs
 * @param step the current step within the epoch
 * @param stepsPerEpoch steps per epoch
 * @param loss the last step's loss, null before the first
 * @param validationAccuracy the last epoch's validation top-1, null before the first
 * @param etaSeconds estimated seconds left, null when unknown
 * @param history every finished epoch (loss and validation accuracy), oldest first; empty before the first
 * @param model the target model name
 * @param version the published version on success
 * @param report the evaluation report on success
 * @param skipped images left out because they could not be read
 * @param error why the job failed
 * @param created when it was submitted, ISO-8601
 * @param updated when this state was recorded, ISO-8601
 */
public record FineTuneJob(String id, String state, Map<String, Object> request, String upload, String phase,
        int epoch, int epochs, int step, int stepsPerEpoch, Double loss, Double validationAccuracy, Long etaSeconds,
        List<FineTune.EpochPoint> history, String model, String version, Map<String, Object> report, List<Map<String, String>> skipped, String error,
        String created, String updated) {

    /** Reads a missing history (a job file written before there was one) as empty. */
    public FineTuneJob {
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** Waiting for the trainer thread. */
    public static final String QUEUED = "queued";
    /** Training. */
    public static final String RUNNING = "running";
    /** Published a new version. */
    public static final String SUCCEEDED = "succeeded";
    /** Ended with an error; nothing was published. */
    public static final String FAILED = "failed";
    /** Cancelled by a client; nothing was published. */
    public static final String CANCELLED = "cancelled";
    /** Every state, in the order a job passes through them. */
    public static final List<String> STATES = List.of(QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED);

    /** Returns whether the job will not change any more. */
    public boolean finished() {
        return SUCCEEDED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    /** Returns a copy in another state with an error message (null for none). */
    public FineTuneJob withState(String newState, String newError, String now) {
        return new FineTuneJob(id, newState, request, upload, phase, epoch, epochs, step, stepsPerEpoch, loss,
                validationAccuracy, etaSeconds, history, model, version, report, skipped, newError, created, now);
    }

    /** Returns a copy with the given progress. */
    public FineTuneJob withProgress(FineTune.Progress p, String now) {
        return new FineTuneJob(id, RUNNING, request, upload, p.phase(), p.epoch(), p.epochs(), p.step(),
                p.stepsPerEpoch(), Double.isNaN(p.loss()) ? null : p.loss(),
                Double.isNaN(p.validationAccuracy()) ? null : p.validationAccuracy(),
                p.etaSeconds() < 0 ? null : p.etaSeconds(), p.history(), model, version, report, skipped, error,
                created, now);
    }

    /** Returns a copy that succeeded with the outcome. */
    public FineTuneJob withOutcome(FineTune.Outcome o, String now) {
        return new FineTuneJob(id, SUCCEEDED, request, upload, phase, epoch, epochs, step, stepsPerEpoch, loss,
                validationAccuracy, 0L, history, o.manifest().name(), o.manifest().version(), o.report(),
                o.skipped().stream().map(s -> Map.of("file", s.file(), "reason", s.reason())).toList(), null,
                created, now);
    }
}
