package io.producttagger.catalog;

import io.producttagger.app.TaggerApp;
import io.producttagger.CommandRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.cli.ExitCodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tag --server} against the real server on a random port, wired as in production. */
class ServerModeTest {

    private static TaggerApp app;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        app = TestSupport.serve(CatalogFixtures.config(Map.of("server.port", "0", "server.host", "127.0.0.1",
                "admin.enabled", "false")));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static String url() {
        return "http://127.0.0.1:" + app.publicListener().port();
    }

    private static Map<String, List<String>> rowsById(Path csv) {
        return CatalogFixtures.csvRows(csv).stream().collect(Collectors.toMap(r -> r.get(0), r -> r));
    }

    @Test
    void serverModeGivesTheSameTopLabelsAsInProcess() {
        Path photos = dir.resolve("photos");
        CatalogFixtures.photos(photos, "p", 30, 30, 120, "jpg");
        CatalogFixtures.photos(photos, "q", 10, 10, 90, "png");
        Path remote = dir.resolve("remote.csv");
        Path local = dir.resolve("local.csv");
        CommandRun r = CatalogFixtures.tag(photos.toString(), "-o", remote.toString(), "-q", "--server",
                url(), "--concurrency", "4");
        assertEquals(ExitCodes.OK, r.exitCode(), r.err());
        assertEquals(ExitCodes.OK, CatalogFixtures.tag(photos.toString(), "-o", local.toString(), "-q").exitCode());
        Map<String, List<String>> remoteRows = rowsById(remote);
        Map<String, List<String>> localRows = rowsById(local);
        assertEquals(40, remoteRows.size());
        assertEquals(localRows.keySet(), remoteRows.keySet());
        localRows.forEach((id, l) -> {
            List<String> s = remoteRows.get(id);
            // the same model on the same bytes; only a near-tie may swap under a different batch composition
            boolean nearTie = l.get(2).equals(s.get(4)) && Math.abs(Double.parseDouble(s.get(3))
                    - Double.parseDouble(s.get(5))) < 1e-3;
            assertTrue(l.get(2).equals(s.get(2)) || nearTie, id + ": in-process " + l + " vs server " + s);
        });
        List<String> first = CatalogFixtures.csvRows(remote).get(0);
        assertEquals(List.of(CatalogFixtures.MODEL, "1", ""), first.subList(12, 15), "model and version from the server");
    }

    @Test
    void imagesTheServerRefusesGetAnErrorRowAndTheRunGoesOn() throws Exception {
        Path photos = dir.resolve("photos");
        CatalogFixtures.photos(photos, "good", 3, 3, 100, "jpg");
        Files.write(photos.resolve("broken.jpg"), "not a jpeg".getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("remote.jsonl");
        CommandRun r = CatalogFixtures.tag(photos.toString(), "-o", out.toString(), "-q", "--server",
                url());
        assertEquals(ExitCodes.PARTIAL, r.exitCode(), r.out() + r.err());
        List<String> lines = CatalogFixtures.lines(out);
        assertEquals(4, lines.size());
        String broken = lines.stream().filter(l -> l.contains("\"broken.jpg\"")).findFirst().orElseThrow();
        assertTrue(broken.contains("server refused the image (415)"), broken);
    }

    @Test
    void anUnknownModelStopsTheRunInsteadOfFailingEveryRow() {
        Path photos = dir.resolve("photos");
        CatalogFixtures.photos(photos, "p", 3, 3, 100, "jpg");
        Path out = dir.resolve("remote.csv");
        CommandRun r = CatalogFixtures.tag(photos.toString(), "-o", out.toString(), "-q", "--server",
                url(), "--model", "nosuchmodel");
        assertEquals(ExitCodes.FAILURE, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("404"), r.err());
        assertEquals(0, CatalogFixtures.csvRows(out).size(), "no row, so a resumed run tries again");
    }
}
