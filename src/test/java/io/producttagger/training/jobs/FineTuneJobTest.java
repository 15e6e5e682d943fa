package io.producttagger.training.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.producttagger.training.loop.FineTune;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A job's state as a value: the moves between states it allows, and what a progress report changes. */
class FineTuneJobTest {

    private static FineTuneJob in(String state) {
        return FineTuneJob.builder().setId("j").setState(state).optCreated("2026-01-01T00:00:00Z").build();
    }

    @Test
    void progressNeverChangesTheState() {
        FineTune.Progress step = new FineTune.Progress("full", 2, 5, 3, 10, 0.5, 0.8, 30, List.of());
        for (String state : FineTuneJob.STATES) {
            FineTuneJob reported = in(state).withProgress(step, "2026-01-01T00:01:00Z");
            assertEquals(state, reported.state(), "a progress report on a " + state + " job");
            assertEquals(3, reported.step());
        }
    }

    @Test
    void aJobMovesForwardOnlyAndNothingLeavesAFinalState() {
        Map<String, List<String>> allowed = Map.of(
                FineTuneJob.QUEUED, List.of(FineTuneJob.RUNNING, FineTuneJob.FAILED, FineTuneJob.CANCELLED),
                FineTuneJob.RUNNING, List.of(FineTuneJob.RUNNING, FineTuneJob.SUCCEEDED, FineTuneJob.FAILED,
                        FineTuneJob.CANCELLED),
                FineTuneJob.SUCCEEDED, List.of(),
                FineTuneJob.FAILED, List.of(),
                FineTuneJob.CANCELLED, List.of());
        for (String from : FineTuneJob.STATES) {
            for (String to : FineTuneJob.STATES) {
                assertEquals(allowed.get(from).contains(to), in(from).canBecome(to), from + " -> " + to);
            }
        }
    }
}
