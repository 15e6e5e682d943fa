package io.producttagger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.CommandRun;
import io.producttagger.TestSupport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bench-index} measures a real index: a row per size, and its search agrees with an exact scan. */
class IndexBenchCommandTest {

    @Test
    void printsARowPerSizeWhoseSearchFindsTheExactNeighbours() {
        TestSupport.offline();
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(),
                List.of("bench-index", "--sizes", "150,300", "--queries", "10"));
        assertEquals(ExitCodes.OK, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("1280-dimensional embeddings"), r.out());
        for (String size : List.of("150", "300")) {
            String row = r.out().lines().filter(l -> l.trim().startsWith(size + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + size + ":\n" + r.out()));
            String[] cells = row.trim().split("\\s+");
            assertEquals(8, cells.length, row);
            // a few hundred vectors merged into one graph, at least 400 candidates explored: the search is all but
            // exact
            assertTrue(Double.parseDouble(cells[7]) >= 0.9, row);
            assertTrue(Double.parseDouble(cells[3]) >= 0, "the merge's seconds: " + row);
            assertTrue(Double.parseDouble(cells[4]) > 1280 * 4, "at least the raw floats on disk: " + row);
        }
    }

    @Test
    void tooSmallASizeIsAUsageError() {
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(),
                List.of("bench-index", "--sizes", "10"));
        assertEquals(ExitCodes.USAGE, r.exitCode(), r.out() + r.err());
    }

    @Test
    void clusteredVectorsFindTheirGroupMates() {
        TestSupport.offline();
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(),
                List.of("bench-index", "--sizes", "400", "--queries", "10", "--vectors", "clustered"));
        assertEquals(ExitCodes.OK, r.exitCode(), r.out() + r.err());
        String row = r.out().lines().filter(l -> l.trim().startsWith("400 ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row:\n" + r.out()));
        String[] cells = row.trim().split("\\s+");
        // a query's 10 nearest are its group's 10 members, which one merged graph finds
        assertTrue(Double.parseDouble(cells[7]) >= 0.95, row);
    }
}
