package io.producttagger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.CommandRun;
import io.producttagger.TestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dedupe}: a byte-identical copy, a cropped, re-encoded one and one on another backdrop are grouped with
 * their original, alone; the same drawing in other colours is not.
 */
class DedupeCommandTest {

    @TempDir
    Path tmp;

    @Test
    void exactAndNearCopiesAreGroupedWithTheirOriginalAndNothingElse() throws Exception {
        TestSupport.offline();
        Path catalog = Files.createDirectories(tmp.resolve("catalog"));
        Path photos = Path.of("test-images/imagenet");
        for (String p : List.of("bird.png", "cat.png", "grace_hopper.png", "missvickie_potato_chips.png")) {
            Files.copy(photos.resolve(p), catalog.resolve(p));
        }
        Files.copy(photos.resolve("cat.png"), catalog.resolve("cat-copy.png"));
        Files.write(catalog.resolve("cat-crop.jpg"), TestSupport.croppedJpeg(photos.resolve("cat.png")));
        Path groups = tmp.resolve("groups.csv");
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(),
                List.of("dedupe", catalog.toString(), "-o", groups.toString(), "-q"));
        assertEquals(ExitCodes.OK, r.exitCode(), r.out() + r.err());
        List<String> lines = Files.readAllLines(groups);
        assertEquals("group,id,path,match,similarity", lines.get(0));
        Map<String, String> matchById = lines.stream().skip(1).map(l -> l.split(","))
                .collect(Collectors.toMap(f -> f[1], f -> f[0] + " " + f[3]));
        assertEquals(3, matchById.size(), String.join("\n", lines));
        assertTrue(matchById.get("cat-copy.png").endsWith("exact"), String.join("\n", lines));
        assertTrue(matchById.get("cat-crop.jpg").endsWith("near"), String.join("\n", lines));
        assertEquals(1, matchById.values().stream().map(v -> v.split(" ")[0]).distinct().count(), "one group");
    }

    @Test
    void aCopyOnAnotherBackdropIsGroupedAndTheSameDrawingInOtherColoursIsNot() throws Exception {
        TestSupport.offline();
        Path catalog = Files.createDirectories(tmp.resolve("catalog"));
        Path photos = Path.of("test-images/imagenet");
        Path chips = photos.resolve("missvickie_potato_chips.png");
        for (String p : List.of("bird.png", "cat.png", "missvickie_potato_chips.png")) {
            Files.copy(photos.resolve(p), catalog.resolve(p));
        }
        Files.write(catalog.resolve("chips-backdrop.png"), TestSupport.onBackdrop(chips, 0x46a046));
        Files.write(catalog.resolve("chips-dark.png"), TestSupport.onBackdrop(chips, 0x282828));
        Files.write(catalog.resolve("chips-recoloured.png"), TestSupport.channelsSwapped(chips));
        Path groups = tmp.resolve("groups.csv");
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(),
                List.of("dedupe", catalog.toString(), "-o", groups.toString(), "-q"));
        assertEquals(ExitCodes.OK, r.exitCode(), r.out() + r.err());
        List<String> lines = Files.readAllLines(groups);
        Map<String, String> groupById = lines.stream().skip(1).map(l -> l.split(","))
                .collect(Collectors.toMap(f -> f[1], f -> f[0]));
        assertEquals(java.util.Set.of("missvickie_potato_chips.png", "chips-backdrop.png", "chips-dark.png"),
                groupById.keySet(), String.join("\n", lines));
        assertEquals(groupById.get("missvickie_potato_chips.png"), groupById.get("chips-backdrop.png"));
        assertEquals(groupById.get("missvickie_potato_chips.png"), groupById.get("chips-dark.png"));
    }

    @Test
    void aThresholdOutsideTheCosineRangeIsAUsageError() {
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(), List.of("dedupe",
                "test-images/imagenet", "-o", tmp.resolve("g.csv").toString(), "-q", "--threshold", "1.5"));
        assertEquals(ExitCodes.USAGE, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("dedupe.threshold"), r.err());
    }
}
