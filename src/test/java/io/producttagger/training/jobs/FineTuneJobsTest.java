package io.producttagger.training.jobs;

import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.TrainingException;
import io.producttagger.training.data.DataRoot;
import io.producttagger.training.loop.FineTune;
import io.producttagger.training.loop.FineTuneRequest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.model.ModelStore;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job queue's bookkeeping: persistence, recovery, validation before queueing, uploaded data sets. */
class FineTuneJobsTest {

    @TempDir
    Path tmp;

    private FineTuneJobs jobs(Path zoo, Path folder) {
        return jobs(zoo, folder, false);
    }

    private FineTuneJobs jobs(Path zoo, Path folder, boolean keepUploads) {
        return jobs(zoo, folder, keepUploads, Clock.systemUTC());
    }

    private FineTuneJobs jobs(Path zoo, Path folder, boolean keepUploads, Clock clock) {
        TestSupport.offline();
        return new FineTuneJobs(new FineTune(new ModelStore(zoo), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), 1),
                folder, 4, new UploadFolders(new DataRoot(tmp.resolve("data")), keepUploads), clock);
    }

    /** A request that trains long enough to be cancelled while running. */
    private static FineTuneRequest slow(Path dataset, String datasetName) {
        return slow(dataset, datasetName, "slow");
    }

    /** A request that trains long enough to be cancelled while running, published as {@code name}. */
    private static FineTuneRequest slow(Path dataset, String datasetName, String name) {
        return FineTuneRequest.builder().setDataset(dataset, datasetName).setBase("fashion", null).optName(name)
                .optHeadOnlyEpochs(0).optEpochs(500).optHeadLearningRate(0.05f).optLearningRate(0.003f)
                .optBatchSize(4).optValidationFraction(0.2).optMinImagesPerLabel(10).optPatience(1000).optSeed(1)
                .optColor(true).build();
    }

    /** A request with the configured defaults from {@code fashion} into {@code name}, named by its path. */
    private static FineTuneRequest quick(Path dataset, String name) {
        return FineTuneRequest.builder().setDataset(dataset).setBase("fashion", null).optName(name)
                .optMinImagesPerLabel(10).build();
    }

    /** Copies the photo set {@code data/photos} into {@code data/uploads/ID}, as an unpacked upload. */
    private Path upload(String id) throws Exception {
        Path photos = tmp.resolve("data/photos");
        Path target = tmp.resolve("data/uploads").resolve(id);
        try (var files = Files.walk(photos)) {
            for (Path p : files.toList()) {
                Path dst = target.resolve(photos.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst);
                }
            }
        }
        return target;
    }

    private static void awaitFinished(FineTuneJobs jobs, String id) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!jobs.get(id).finished()) {
            assertTrue(System.nanoTime() < deadline, "job " + id + " did not finish: " + jobs.get(id));
            Thread.sleep(50);
        }
    }

    @Test
    void uploadIsDeletedWhenItsJobEndsButADataSetNamedByPathIsNot() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path photos = FineTuneFixtures.photoSet(tmp.resolve("data/photos"), 10);
        Path running = upload("running");
        Path queued = upload("queued");
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"))) {
            FineTuneJob first = jobs.submit(slow(running, "uploads/running"), "running");
            FineTuneJob byPath = jobs.submit(quick(photos, "bypath"));
            FineTuneJob second = jobs.submit(quick(queued, "second"), "queued");
            assertEquals("queued", second.upload());
            assertEquals(null, byPath.upload());
            jobs.cancel(byPath.id());
            jobs.cancel(second.id());
            assertTrue(Files.isDirectory(photos.resolve("bags")), "a data set named by path stays");
            assertTrue(!Files.exists(queued), "the cancelled queued job's upload is gone");
            assertTrue(Files.isDirectory(running), "the running job still reads its upload");
            jobs.cancel(first.id());
            awaitFinished(jobs, first.id());
            assertEquals(FineTuneJob.CANCELLED, jobs.get(first.id()).state());
            assertTrue(!Files.exists(running), "the running job's upload is gone once it ended");
        }
        assertTrue(Files.isDirectory(photos.resolve("bags")));
    }

    /**
     * Where a cancel that raced the start of a job left it: the trainer had decided to run the job and the cancel
     * had read it queued before either stored anything; the trainer stored first and is now stopped inside the
     * job's first progress report, about to read the data set.
     *
     * @param answered what the cancel returned
     * @param afterCancel the job's state once the cancel had returned
     * @param inProgress the gate the trainer waits at
     */
    private record RacedCancel(String id, FineTuneJob answered, FineTuneJob afterCancel, GateClock.Gate inProgress) {}

    private static RacedCancel cancelRacingTheStart(GateClock clock, FineTuneJobs jobs, FineTuneRequest request,
            String upload) throws InterruptedException {
        GateClock.Gate starting = clock.parkNext(GateClock.TRAINER);
        String id = jobs.submit(request, upload).id();
        starting.awaitParked();
        AtomicReference<FineTuneJob> answered = new AtomicReference<>();
        Thread canceller = new Thread(() -> answered.set(jobs.cancel(id)), "canceller");
        GateClock.Gate cancelling = clock.parkNext(t -> t == canceller);
        canceller.start();
        cancelling.awaitParked();
        GateClock.Gate inProgress = clock.parkNext(GateClock.TRAINER);
        starting.release();
        inProgress.awaitParked();
        cancelling.release();
        canceller.join();
        return new RacedCancel(id, answered.get(), jobs.get(id), inProgress);
    }

    @Test
    void cancelRacingTheStartOfAJobNeitherOverwritesItsStateNorDeletesTheUploadItReads() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        FineTuneFixtures.photoSet(tmp.resolve("data/photos"), 10);
        Path uploaded = upload("raced");
        GateClock clock = new GateClock();
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"), false, clock)) {
            RacedCancel raced = cancelRacingTheStart(clock, jobs, slow(uploaded, "uploads/raced"), "raced");
            try {
                assertEquals(FineTuneJob.RUNNING, raced.afterCancel().state(), "the job started before the cancel "
                        + "could store anything: it runs until its run sees the cancel");
                assertEquals(FineTuneJob.RUNNING, raced.answered().state(), "the cancel answers what it left");
                assertTrue(Files.readString(tmp.resolve("jobs").resolve(raced.id() + ".json")).contains("\"running\""),
                        "the job file says running too");
                assertTrue(Files.isDirectory(uploaded), "the running job is about to read its upload");
            } finally {
                raced.inProgress().release();
            }
            awaitFinished(jobs, raced.id());
            FineTuneJob ended = jobs.get(raced.id());
            assertEquals(FineTuneJob.CANCELLED, ended.state(), ended.toString());
            assertEquals("cancelled; nothing was published", ended.error());
            assertTrue(!Files.exists(uploaded), "the upload is gone once its job has ended");
        }
        assertTrue(!Files.exists(zoo.resolve("slow")), "nothing published");
    }

    @Test
    void progressReportedAfterACancelLeavesTheStateTheCancelLeft() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path photos = FineTuneFixtures.photoSet(tmp.resolve("data/photos"), 10);
        GateClock clock = new GateClock();
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"), false, clock)) {
            RacedCancel raced = cancelRacingTheStart(clock, jobs, slow(photos, "photos"), null);
            // the trainer's next stop comes after it stored the progress report it was stopped in
            GateClock.Gate afterProgress = clock.parkNext(GateClock.TRAINER);
            raced.inProgress().release();
            afterProgress.awaitParked();
            String afterReport = jobs.get(raced.id()).state();
            afterProgress.release();
            assertEquals(raced.afterCancel().state(), afterReport, "a progress report changed the state a cancel "
                    + "had left");
            awaitFinished(jobs, raced.id());
            assertEquals(FineTuneJob.CANCELLED, jobs.get(raced.id()).state());
        }
    }

    @Test
    void keepUploadsKeepsTheFolderUntilARestartWithoutIt() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path photos = FineTuneFixtures.photoSet(tmp.resolve("data/photos"), 10);
        Path uploaded = upload("kept");
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"), true)) {
            FineTuneJob first = jobs.submit(slow(photos, "photos"));
            FineTuneJob second = jobs.submit(quick(uploaded, "second"), "kept");
            jobs.cancel(second.id());
            jobs.cancel(first.id());
            awaitFinished(jobs, first.id());
            assertTrue(Files.isDirectory(uploaded), "finetune.keep-uploads=true keeps it");
        }
        jobs(zoo, tmp.resolve("jobs"), true).close();
        assertTrue(Files.isDirectory(uploaded), "and a restart keeps it too");
        jobs(zoo, tmp.resolve("jobs"), false).close();
        assertTrue(!Files.exists(uploaded), "a restart without finetune.keep-uploads deletes it");
        assertTrue(Files.isDirectory(photos.resolve("bags")));
    }

    @Test
    void restartDeletesUploadsOfEndedJobsAndNothingElse() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path photos = FineTuneFixtures.photoSet(data.resolve("photos"), 2);
        Path done = upload("done");
        Path cut = upload("cut");
        Path orphan = upload("orphan");
        Path folder = Files.createDirectories(tmp.resolve("jobs"));
        String[][] fixtures = {{"done", "succeeded", "\"done\""}, {"cut", "running", "\"cut\""},
            {"bypath", "succeeded", "null"}, {"dotdot", "failed", "\"../photos\""}, {"up", "failed", "\"..\""},
            {"absolute", "failed", "\"" + photos.toAbsolutePath() + "\""}, {"nested", "failed", "\"done/../..\""}};
        for (String[] f : fixtures) {
            Files.writeString(folder.resolve(f[0] + ".json"), "{\"id\":\"" + f[0] + "\",\"state\":\"" + f[1]
                    + "\",\"request\":{\"dataset\":\"photos\"},\"upload\":" + f[2]
                    + ",\"created\":\"2026-01-01T00:00:00Z\",\"updated\":\"2026-01-01T00:00:00Z\"}");
        }
        try (FineTuneJobs jobs = jobs(tmp.resolve("zoo"), folder)) {
            assertEquals(FineTuneJob.FAILED, jobs.get("cut").state());
            assertEquals("done", jobs.get("done").upload());
        }
        assertTrue(!Files.exists(done), "a succeeded job's upload is gone");
        assertTrue(!Files.exists(cut), "the upload of a job the restart ended is gone");
        assertTrue(Files.isDirectory(orphan), "a folder no job owns is left alone");
        assertTrue(Files.isDirectory(photos.resolve("bags")) && Files.isDirectory(data.resolve("uploads")),
                "ids that are not plain names delete nothing");
    }

    @Test
    void uploadThatAQueuedJobReadsByPathIsKeptUntilThatJobEnds() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path photos = FineTuneFixtures.photoSet(tmp.resolve("data/photos"), 10);
        Path shared = upload("shared");
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"))) {
            FineTuneJob first = jobs.submit(slow(photos, "photos"));
            FineTuneJob owner = jobs.submit(quick(shared, "owner"), "shared");
            FineTuneJob reader = jobs.submit(quick(shared, "reader"));
            jobs.cancel(owner.id());
            assertTrue(Files.isDirectory(shared), "another queued job reads it");
            jobs.cancel(reader.id());
            assertTrue(!Files.exists(shared), "gone once no job reads it");
            jobs.cancel(first.id());
        }
    }

    @Test
    void uploadIsKeptWhileASubmissionThatReadsItIsUnderWay() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path photos = FineTuneFixtures.photoSet(tmp.resolve("data/photos"), 10);
        Path shared = upload("shared");
        GateClock clock = new GateClock();
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"), false, clock)) {
            FineTuneJob first = jobs.submit(slow(photos, "photos"));
            FineTuneJob owner = jobs.submit(quick(shared, "owner"), "shared");
            AtomicReference<FineTuneJob> reader = new AtomicReference<>();
            Thread submitter = new Thread(() -> reader.set(jobs.submit(quick(shared, "reader"))), "submitter");
            // the submission stamps its job once it has checked the request against the upload's images
            GateClock.Gate submitting = clock.parkNext(t -> t == submitter);
            submitter.start();
            submitting.awaitParked();
            boolean keptWhileSubmitting;
            try {
                jobs.cancel(owner.id());
                keptWhileSubmitting = Files.isDirectory(shared);
            } finally {
                submitting.release();
                submitter.join();
            }
            assertTrue(keptWhileSubmitting, "the owner ended while a submission that reads its upload was under way");
            assertEquals(FineTuneJob.QUEUED, jobs.get(reader.get().id()).state());
            jobs.cancel(reader.get().id());
            assertTrue(!Files.exists(shared), "gone once no job reads it");
            jobs.cancel(first.id());
        }
    }

    @Test
    void uploadReadThroughAManifestOrALinkIsKeptUntilThoseJobsEnd() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path photos = FineTuneFixtures.photoSet(tmp.resolve("data/photos"), 10);
        Path shared = upload("shared");
        StringBuilder lines = new StringBuilder("path,label\n");
        try (var files = Files.walk(shared)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                lines.append(tmp.resolve("data").relativize(f)).append(',').append(f.getParent().getFileName())
                        .append('\n');
            }
        }
        Path manifest = Files.writeString(tmp.resolve("data/shared.csv"), lines);
        Path link = Files.createSymbolicLink(tmp.resolve("data/linked"), shared);
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"))) {
            FineTuneJob first = jobs.submit(slow(photos, "photos"));
            FineTuneJob owner = jobs.submit(quick(shared, "owner"), "shared");
            FineTuneJob byManifest = jobs.submit(quick(manifest, "manifest"));
            FineTuneJob byLink = jobs.submit(quick(link, "linked"));
            jobs.cancel(owner.id());
            assertTrue(Files.isDirectory(shared), "a queued job's manifest names images in it");
            jobs.cancel(byManifest.id());
            assertTrue(Files.isDirectory(shared), "a queued job reads it through a link");
            jobs.cancel(byLink.id());
            assertTrue(!Files.exists(shared), "gone once no job reads it");
            jobs.cancel(first.id());
        }
        assertTrue(Files.isRegularFile(manifest) && Files.isDirectory(photos.resolve("bags")),
                "data sets named by path stay");
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
                    () -> jobs.submit(quick(data, "shoes")));
        }
        assertTrue(!Files.exists(folder) || Files.list(folder).findAny().isEmpty(), "no job file");
    }

    @Test
    void secondJobWaitsInTheQueueAndCancellingItKeepsItFromStarting() throws Exception {
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 10);
        FineTuneRequest slow = slow(data, "photos", "first");
        try (FineTuneJobs jobs = jobs(zoo, tmp.resolve("jobs"))) {
            FineTuneJob first = jobs.submit(slow);
            FineTuneJob second = jobs.submit(quick(data, "second"));
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
        FineTuneRequest slow = slow(data, "photos", "first");
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
