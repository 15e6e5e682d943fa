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
 * @param phase one of {@link #PHASES} while running
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
    /**
     * Every phase a running fine-tune reports, in order: reading the data set, caching the frozen backbone's
     * features (the colour backbone's recipe), the head-only epochs, the whole-network epochs. The admin OpenAPI's
     * {@code FineTuneJob.phase} enum lists exactly these ({@code FineTuneDocumentsTest}).
     */
    public static final List<String> PHASES = List.of("loading", "features", "head", "tail", "full");

    /** Returns whether the job will not change any more. */
    public boolean finished() {
        return SUCCEEDED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    /**
     * Returns whether a job in this state may move to {@code next}: a queued job starts running, is cancelled
     * before it starts or fails (a restart ends it); a running job reports progress (stays running), succeeds,
     * fails or is cancelled; nothing leaves {@code succeeded}, {@code failed} or {@code cancelled}.
     */
    public boolean canBecome(String next) {
        return switch (state) {
            case QUEUED -> RUNNING.equals(next) || CANCELLED.equals(next) || FAILED.equals(next);
            case RUNNING -> RUNNING.equals(next) || SUCCEEDED.equals(next) || FAILED.equals(next)
                    || CANCELLED.equals(next);
            default -> false;
        };
    }

    /** Returns a copy in another state with an error message (null for none). */
    public FineTuneJob withState(String newState, String newError, String now) {
        return toBuilder().setState(newState).optError(newError).optUpdated(now).build();
    }

    /** Returns a copy with the given progress, in the same state: a report never starts or revives a job. */
    public FineTuneJob withProgress(FineTune.Progress p, String now) {
        return toBuilder().optPhase(p.phase()).optEpoch(p.epoch()).optEpochs(p.epochs())
                .optStep(p.step()).optStepsPerEpoch(p.stepsPerEpoch())
                .optLoss(Double.isNaN(p.loss()) ? null : p.loss())
                .optValidationAccuracy(Double.isNaN(p.validationAccuracy()) ? null : p.validationAccuracy())
                .optEtaSeconds(p.etaSeconds() < 0 ? null : p.etaSeconds()).optHistory(p.history()).optUpdated(now)
                .build();
    }

    /** Returns a copy that succeeded with the outcome. */
    public FineTuneJob withOutcome(FineTune.Outcome o, String now) {
        return toBuilder().setState(SUCCEEDED).optEtaSeconds(0L).optModel(o.manifest().name())
                .optVersion(o.manifest().version()).optReport(o.report())
                .optSkipped(o.skipped().stream().map(s -> Map.of("file", s.file(), "reason", s.reason())).toList())
                .optError(null).optUpdated(now).build();
    }

    /**
     * Starts a job: id and state are required; the rest is optional, since a job file from an earlier process
     * (recovered, and copied into its final state) may lack any of it. Progress, outcome and error start empty, the
     * update time is the creation time.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding this job's state, to make a changed copy. */
    public Builder toBuilder() {
        return builder().setId(id).setState(state).optRequest(request).optCreated(created).optUpload(upload)
                .optPhase(phase).optEpoch(epoch).optEpochs(epochs).optStep(step).optStepsPerEpoch(stepsPerEpoch)
                .optLoss(loss).optValidationAccuracy(validationAccuracy).optEtaSeconds(etaSeconds).optHistory(history)
                .optModel(model).optVersion(version).optReport(report).optSkipped(skipped).optError(error)
                .optUpdated(updated);
    }

    /** Builds a {@link FineTuneJob}: {@code set*} for the required parts, {@code opt*} for the rest. */
    public static final class Builder {
        private String id;
        private String state;
        private Map<String, Object> request;
        private String upload;
        private String phase;
        private int epoch;
        private int epochs;
        private int step;
        private int stepsPerEpoch;
        private Double loss;
        private Double validationAccuracy;
        private Long etaSeconds;
        private List<FineTune.EpochPoint> history = List.of();
        private String model;
        private String version;
        private Map<String, Object> report;
        private List<Map<String, String>> skipped;
        private String error;
        private String created;
        private String updated;

        private Builder() {}

        /** Sets the job id (required). */
        public Builder setId(String value) {
            this.id = value;
            return this;
        }

        /** Sets the state, one of {@link #STATES} (required). */
        public Builder setState(String value) {
            this.state = value;
            return this;
        }

        /** Sets what was asked, as the job file and clients show it. */
        public Builder optRequest(Map<String, Object> value) {
            this.request = value;
            return this;
        }

        /** Sets when it was submitted, ISO-8601. */
        public Builder optCreated(String value) {
            this.created = value;
            return this;
        }

        /** Sets the id of the uploaded data set's folder the job owns; null when named by path. */
        public Builder optUpload(String value) {
            this.upload = value;
            return this;
        }

        /** Sets the phase while running. */
        public Builder optPhase(String value) {
            this.phase = value;
            return this;
        }

        /** Sets the current 1-based epoch. */
        public Builder optEpoch(int value) {
            this.epoch = value;
            return this;
        }

        /** Sets the planned epochs. */
        public Builder optEpochs(int value) {
            this.epochs = value;
            return this;
        }

        /** Sets the current step within the epoch. */
        public Builder optStep(int value) {
            this.step = value;
            return this;
        }

        /** Sets the steps per epoch. */
        public Builder optStepsPerEpoch(int value) {
            this.stepsPerEpoch = value;
            return this;
        }

        /** Sets the last step's loss; null before the first. */
        public Builder optLoss(Double value) {
            this.loss = value;
            return this;
        }

        /** Sets the last epoch's validation top-1; null before the first. */
        public Builder optValidationAccuracy(Double value) {
            this.validationAccuracy = value;
            return this;
        }

        /** Sets the estimated seconds left; null when unknown. */
        public Builder optEtaSeconds(Long value) {
            this.etaSeconds = value;
            return this;
        }

        /** Sets the finished epochs, oldest first. */
        public Builder optHistory(List<FineTune.EpochPoint> value) {
            this.history = value;
            return this;
        }

        /** Sets the target model name. */
        public Builder optModel(String value) {
            this.model = value;
            return this;
        }

        /** Sets the published version. */
        public Builder optVersion(String value) {
            this.version = value;
            return this;
        }

        /** Sets the evaluation report. */
        public Builder optReport(Map<String, Object> value) {
            this.report = value;
            return this;
        }

        /** Sets the images left out because they could not be read. */
        public Builder optSkipped(List<Map<String, String>> value) {
            this.skipped = value;
            return this;
        }

        /** Sets why the job failed; null for no error. */
        public Builder optError(String value) {
            this.error = value;
            return this;
        }

        /** Sets when this state was recorded, ISO-8601; the creation time by default. */
        public Builder optUpdated(String value) {
            this.updated = value;
            return this;
        }

        /**
         * Builds the job.
         *
         * @throws IllegalArgumentException when the id is missing or the state is unknown
         */
        public FineTuneJob build() {
            validate();
            return new FineTuneJob(id, state, request, upload, phase, epoch, epochs, step, stepsPerEpoch, loss,
                    validationAccuracy, etaSeconds, history, model, version, report, skipped, error, created,
                    updated == null ? created : updated);
        }

        private void validate() {
            if (id == null) {
                throw new IllegalArgumentException("a fine-tune job needs an id");
            }
            if (!STATES.contains(state)) {
                throw new IllegalArgumentException("unknown fine-tune state '" + state + "'; use one of " + STATES);
            }
        }
    }
}
