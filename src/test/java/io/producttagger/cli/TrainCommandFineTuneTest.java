package io.producttagger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.model.ModelStore;
import io.producttagger.training.FineTuneFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code train --base}: the command line runs the same fine-tune as the admin API. */
class TrainCommandFineTuneTest {

    @TempDir
    Path tmp;

    @Test
    void trainWithBaseFineTunesLabelFoldersIntoANewModel() {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.photoSet(tmp.resolve("data"), 10);
        CommandLine cli = io.producttagger.app.Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("--set", "model.zoo=" + zoo, "--set", "engine.cache=target/djl-cache", "train",
                "--data", data.toString(), "--base", "fashion", "--name", "shoes", "--head-epochs", "2", "--epochs",
                "1", "--batch-size", "8", "--quiet");
        assertEquals(ExitCodes.OK, code, err.toString());
        ModelStore store = new ModelStore(zoo);
        assertEquals(java.util.List.of("1"), store.versions("shoes"));
        assertTrue(store.manifest("shoes", "1").metrics().containsKey("confusionMatrix"));
    }
}
