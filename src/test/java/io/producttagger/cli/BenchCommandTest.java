package io.producttagger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.CommandRun;
import io.producttagger.TestSupport;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code bench --layout}: each layout is a pass of its own, its threads scoring on the OpenMP threads it names. */
class BenchCommandTest {

    private static final Pattern ROW = Pattern.compile("batch\\s+(\\d+):\\s+(\\d+) images/s .*\\((\\d+) batches\\)");

    @Test
    void everyLayoutScoresEveryBatchSizeOnItsOwnThreads() {
        TestSupport.offline();
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(), List.of("bench", "--model", "fashion",
                "--batch", "1,4", "--seconds", "0.3", "--layout", "1x1,2x1,1X2"));
        // a scoring thread whose OpenMP setting does not read back fails the command
        assertEquals(ExitCodes.OK, r.exitCode(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        List<String> layouts = lines.stream().filter(l -> l.startsWith("layout ")).toList();
        assertEquals(List.of("1x1", "2x1", "1x2"), layouts.stream().map(l -> l.split("[ :]")[1]).toList(), r.out());
        for (String layout : layouts) {
            int at = lines.indexOf(layout);
            for (int k = 0; k < 2; k++) {
                Matcher m = ROW.matcher(lines.get(at + 1 + k));
                assertTrue(m.find(), lines.get(at + 1 + k));
                assertEquals(k == 0 ? "1" : "4", m.group(1));
                assertTrue(Long.parseLong(m.group(2)) > 0 && Long.parseLong(m.group(3)) > 0, m.group());
            }
        }
        // two threads each scored batches of their own: at least one batch per thread
        Matcher two = ROW.matcher(lines.get(lines.indexOf(layouts.get(1)) + 1));
        assertTrue(two.find() && Long.parseLong(two.group(3)) >= 2, two.group());
    }

    @Test
    void aLayoutThatIsNotThreadsTimesOpenMpThreadsIsAUsageError() {
        for (String bad : List.of("2", "2x", "x1", "0x1", "2x0", "2y1", "1x2x3", "999x1")) {
            CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(),
                    List.of("bench", "--model", "fashion", "--layout", bad));
            assertEquals(ExitCodes.USAGE, r.exitCode(), bad + ": " + r.out() + r.err());
            assertTrue(r.err().contains("THREADSxOMP"), r.err());
        }
    }
}
