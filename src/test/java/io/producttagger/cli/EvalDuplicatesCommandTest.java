package io.producttagger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.CommandRun;
import io.producttagger.TestSupport;
import io.producttagger.training.data.NearDuplicateSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval-duplicates} on a small generated set: every transform is measured with the real model and a real
 * index, and a manifest without the truth columns is a usage error.
 */
class EvalDuplicatesCommandTest {

    @TempDir
    Path tmp;

    /** Two distinct photos of the test set as the product sources, one folder each (two product types). */
    private List<Path> sources() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("src/a"));
        Path b = Files.createDirectories(tmp.resolve("src/b"));
        Files.copy(Path.of("test-images/imagenet/cat.png"), a.resolve("cat.png"));
        Files.copy(Path.of("test-images/imagenet/bird.png"), b.resolve("bird.png"));
        Files.copy(Path.of("test-images/imagenet/missvickie_potato_chips.png"), b.resolve("chips.png"));
        return List.of(a, b);
    }

    @Test
    void measuresEveryTransformAndFindsEachOriginal() throws Exception {
        TestSupport.offline();
        Path set = tmp.resolve("set");
        int written = new NearDuplicateSet(new NearDuplicateSet.Spec(sources(), 2, 1, 7, set)).write();
        assertEquals(3 + 2 * NearDuplicateSet.Transform.values().length, written);
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(), List.of("eval-duplicates",
                set.resolve(NearDuplicateSet.MANIFEST).toString(), "-q", "--sweep", "0.5:0.9:0.1"));
        assertEquals(ExitCodes.OK, r.exitCode(), r.out() + r.err());
        for (NearDuplicateSet.Transform t : NearDuplicateSet.Transform.values()) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(t.key() + " ")), t + " missing:\n" + r.out());
        }
        // three products in the index: each copy's original is among its 10 nearest by construction, and the
        // whole-set row says so
        String all = r.out().lines().filter(l -> l.startsWith("all ")).findFirst().orElseThrow();
        assertTrue(all.trim().endsWith("1.000"), all);
        assertTrue(r.out().contains("<- threshold"), r.out());
    }

    @Test
    void refusesAManifestWithoutTheTruth() throws Exception {
        Path manifest = tmp.resolve("plain.csv");
        Files.copy(Path.of("test-images/imagenet/cat.png"), tmp.resolve("cat.png"));
        Files.writeString(manifest, "id,path\ncat,cat.png\n");
        CommandRun r = CommandRun.of(io.producttagger.app.Main.commandLine(),
                List.of("eval-duplicates", manifest.toString(), "-q"));
        assertEquals(ExitCodes.USAGE, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("original and transform"), r.err());
    }
}
