package io.producttagger.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.model.ModelStore;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job queue's bookkeeping: persistence, recovery, validation before queueing. */
class FineTuneJobsTest {

    @TempDir
    Path tmp;

    private FineTuneJobs jobs(Path zoo, Path folder) {
        TestSupport.offline();
        return new FineTuneJobs(new FineTune(new ModelStore(zoo), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS)),
                folder, 4);
    }

    @Test
    void jobLeftRunningByACrashIsMarkedFailedOnStart() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("jobs"));
        Files.writeString(folder.resolve("abc.json"), """
                {"id":"abc","state":"running","request":{"name":"shoes"},"phase":"full","epoch":2,"epochs":5,
                 "model":"shoes","created":"2026-11-28T10:00:00Z","updated":"2026-11-28T10:01:00Z"}
                """);
        try (FineTuneJobs jobs = jobs(tmp.resolve("zoo"), folder)) {
            FineTuneJob job = jobs.get("abc");
            assertEquals(FineTuneJob.FAILED, job.state());
            assertEquals(FineTuneJobs.INTERRUPTED, job.error());
        }
        assertTrue(Files.readString(folder.resolve("abc.json")).contains("\"failed\""), "the file says so too");
    }

    @Test
    void invalidRequestIsRefusedBeforeQueueing() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 3);
        Path folder = tmp.resolve("jobs");
        try (FineTuneJobs jobs = jobs(zoo, folder)) {
            assertThrows(TrainingException.Invalid.class,
                    () -> jobs.submit(FineTuneRequest.of(data, "fashion", "shoes", 10)));
        }
        assertTrue(!Files.exists(folder) || Files.list(folder).findAny().isEmpty(), "no job file");
    }

    @Test
    void secondJobWaitsInTheQueueAndCancellingItKeepsItFromStarting() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 10);
        FineTuneRequest slow = new FineTuneRequest(data, "photos", "fashion", null, "first", 0, 500, 0.05f, 0.003f,
                4, 0.2, 10, 1000, 1);
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"))) {
            FineTuneJob first = jobs.submit(slow);
            FineTuneJob second = jobs.submit(FineTuneRequest.of(data, "fashion", "second", 10));
            assertEquals(FineTuneJob.QUEUED, jobs.get(second.id()).state());
            assertEquals(FineTuneJob.CANCELLED, jobs.cancel(second.id()).state());
            jobs.cancel(first.id());
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!jobs.get(first.id()).finished()) {
                assertTrue(System.nanoTime() < deadline, "first job did not stop");
                Thread.sleep(50);
            }
            assertEquals(FineTuneJob.CANCELLED, jobs.get(first.id()).state());
            assertEquals(FineTuneJob.CANCELLED, jobs.get(second.id()).state(), "the cancelled job never ran");
        }
        assertTrue(!Files.exists(zoo.resolve("first")) && !Files.exists(zoo.resolve("second")), "nothing published");
    }

    @Test
    void listingIsNewestFirstFilteredByStateAndLimited() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("jobs"));
        String[][] fixtures = {{"a", "succeeded", "2026-01-01T00:00:00Z"}, {"b", "failed", "2026-03-01T00:00:00Z"},
            {"c", "succeeded", "2026-02-01T00:00:00.5Z"}, {"d", "cancelled", "not a time"},
            {"e", "succeeded", "2026-02-01T00:00:00Z"}};
        for (String[] f : fixtures) {
            Files.writeString(folder.resolve(f[0] + ".json"), "{\"id\":\"" + f[0] + "\",\"state\":\"" + f[1]
                    + "\",\"request\":{},\"created\":\"" + f[2] + "\",\"updated\":\"" + f[2] + "\"}");
        }
        try (FineTuneJobs jobs = jobs(tmp.resolve("zoo"), folder)) {
            assertEquals(List.of("b", "c", "e", "a", "d"), ids(jobs.list(null, 10)), "unparsable time last");
            assertEquals(List.of("c", "e", "a"), ids(jobs.list(FineTuneJob.SUCCEEDED, 10)));
            assertEquals(List.of("c", "e"), ids(jobs.list(FineTuneJob.SUCCEEDED, 2)));
            assertEquals(List.of(), ids(jobs.list(FineTuneJob.RUNNING, 10)));
            assertThrows(IllegalArgumentException.class, () -> jobs.list("paused", 10));
        }
    }

    @Test
    void jobSubmittedBeforeARestartIsListedAfterIt() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 10);
        FineTuneRequest slow = new FineTuneRequest(data, "photos", "fashion", null, "first", 0, 500, 0.05f, 0.003f,
                4, 0.2, 10, 1000, 1);
        String id;
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"))) {
            id = jobs.submit(slow).id();
        }
        try (FineTuneJobs restarted = jobs(zoo, tmp.resolve("jobs"))) {
            List<FineTuneJob> listed = restarted.list(null, 10);
            assertEquals(List.of(id), ids(listed));
            assertEquals(FineTuneJob.FAILED, listed.get(0).state(), "a restart ends it: " + listed.get(0));
        }
    }

    private static List<String> ids(List<FineTuneJob> jobs) {
        return jobs.stream().map(FineTuneJob::id).toList();
    }

    @Test
    void unknownJobIdIsReported() {
        try (FineTuneJobs jobs = jobs(tmp.resolve("zoo"), tmp.resolve("jobs"))) {
            assertThrows(TrainingException.UnknownJob.class, () -> jobs.get("nope"));
        }
    }
}
