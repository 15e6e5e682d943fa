package io.producttagger.index;

import java.util.List;

/**
 * A snapshot of one background index build, as the admin API shows it.
 *
 * @param id the job's id
 * @param index the index it builds or extends
 * @param input the catalog (folder or manifest) as the request named it, relative to the data root
 * @param model the model the request asked for ({@code NAME[@VERSION]}), or null for {@code model.name}
 * @param state {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code cancelled}
 * @param total items in the catalog (0 until it is counted)
 * @param done items handled so far (added, skipped or failed)
 * @param added items embedded and added
 * @param skipped items the index held already
 * @param failures up to 20 items that could not be embedded, with why
 * @param failed how many items could not be embedded
 * @param error why the job failed, or null
 * @param created when it was submitted (ISO-8601)
 * @param updated when it last changed (ISO-8601)
 */
public record IndexJob(String id, String index, String input, String model, String state, long total, long done,
        long added, long skipped, List<String> failures, long failed, String error, String created,
        String updated) {

    /** Every state a job can be in. */
    public static final List<String> STATES = List.of("queued", "running", "succeeded", "failed", "cancelled");

    /** Returns whether the job has ended. */
    public boolean finished() {
        return state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
    }
}
