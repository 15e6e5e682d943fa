package io.producttagger.catalog;

import io.producttagger.CommandRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.cli.ExitCodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real CLI in a child JVM, killed with SIGKILL mid-run, then resumed. */
class ResumeAfterKillTest {

    private static final int IMAGES = 400;

    @TempDir
    Path dir;

    private Process startChild(Path photos, Path out, Path log) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dai.djl.offline=true",
                // a SIGKILL leaves OpenCV's extracted library behind: keep it inside the test's folder
                "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")),
                "-cp", cp, "io.producttagger.app.Main",
                "--set", "model.zoo=" + CatalogFixtures.zoo().toAbsolutePath(),
                "--set", "model.name=" + CatalogFixtures.MODEL,
                "--set", "engine.cache=" + Path.of("target/djl-cache").toAbsolutePath(),
                "tag", photos.toString(), "-o", out.toString(), "--threads", "1", "-q"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static long completeLines(Path out) throws Exception {
        if (!Files.exists(out)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(out);
        long n = 0;
        for (byte x : b) {
            n += x == '\n' ? 1 : 0;
        }
        return n;
    }

    @Test
    void aRunKilledMidWayResumesToExactlyOneRowPerImage() throws Exception {
        Path photos = dir.resolve("photos");
        CatalogFixtures.photos(photos, "p", IMAGES, 40, 500, "jpg");
        Path out = dir.resolve("tags.csv");
        Path log = dir.resolve("child.log");

        Process child = startChild(photos, out, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (completeLines(out) < 1 + 20 && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        child.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        long rowsAtKill = completeLines(out) - 1;
        assertTrue(rowsAtKill >= 20 && rowsAtKill < IMAGES, "killed mid-way (" + rowsAtKill + " rows); child log: "
                + Files.readString(log));
        // a kill during a write leaves part of a row behind
        Files.writeString(out, "p-9999.jpg," + photos + "/p-9999.jpg,Bag,0.5", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        CommandRun resumed = CatalogFixtures.tag(photos.toString(), "-o", out.toString(), "--resume", "-q");
        assertEquals(ExitCodes.OK, resumed.exitCode(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("skipped " + rowsAtKill), resumed.out());

        List<List<String>> rows = CatalogFixtures.csvRows(out);
        List<String> ids = rows.stream().map(r -> r.get(0)).toList();
        assertEquals(IMAGES, ids.size(), "one row per image");
        assertEquals(IMAGES, new HashSet<>(ids).size(), "no image twice");
        assertTrue(rows.stream().allMatch(r -> r.size() == rows.get(0).size() && !r.get(2).isEmpty()),
                "every row whole and tagged");
    }
}
