package io.producttagger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.training.FineTuneFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train --data DIR} without {@code --base} fine-tunes from the colour backbone, and {@code eval} measures the
 * result on a labelled folder and on a CSV manifest of held-out photos.
 */
class EvalAndTrainFromBackboneTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = io.producttagger.app.Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static double top1(String evalOutput) {
        Matcher m = Pattern.compile("top-1 ([0-9.]+)%").matcher(evalOutput);
        assertTrue(m.find(), evalOutput);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void trainWithoutBaseStartsFromTheColourBackboneAndEvalReadsFoldersAndManifests() throws Exception {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWith(tmp.resolve("zoo"), FineTuneFixtures.BACKBONE);
        Path data = FineTuneFixtures.colorSet(tmp.resolve("train"), 15, 1);
        Path heldOut = FineTuneFixtures.colorSet(tmp.resolve("held-out"), 6, 2);
        Files.write(heldOut.resolve(FineTuneFixtures.COLOR_LABELS[0]).resolve("broken.jpg"), new byte[] {1, 2, 3});
        String zooFlag = "model.zoo=" + zoo;
        Run train = run("--set", zooFlag, "--set", "engine.cache=target/djl-cache", "train", "--data",
                data.toString(), "--name", "fruit", "--quiet");
        assertEquals(ExitCodes.OK, train.code(), train.err());
        ModelManifest m = new ModelStore(zoo).manifest("fruit", "1");
        assertEquals(FineTuneFixtures.BACKBONE + "@1", m.training().get("fineTunedFrom"));

        Run folder = run("--set", zooFlag, "eval", "--model", "fruit@1", "--data", heldOut.toString(), "--quiet");
        assertEquals(ExitCodes.OK, folder.code(), folder.err());
        assertTrue(top1(folder.out()) >= 90, "held-out colour photos: " + folder.out());
        assertTrue(folder.out().contains("confusion matrix"), folder.out());
        assertTrue(folder.out().contains("precision"), folder.out());
        assertTrue(folder.out().contains("skipped tomatoes/broken.jpg"), "the broken file is listed: " + folder.out());

        StringBuilder csv = new StringBuilder("path,label\n");
        for (String label : FineTuneFixtures.COLOR_LABELS) {
            for (int i = 0; i < 6; i++) {
                csv.append(label).append("/img").append(i).append(".jpg,").append(label).append('\n');
            }
        }
        Files.writeString(heldOut.resolve("held-out.csv"), csv);
        Run manifest = run("--set", zooFlag, "eval", "--model", "fruit", "--data",
                heldOut.resolve("held-out.csv").toString(), "--quiet");
        assertEquals(ExitCodes.OK, manifest.code(), manifest.err());
        assertEquals(top1(folder.out()), top1(manifest.out()), "the same images by folder and by manifest");
    }

    @Test
    void evalOnAFolderWithALabelTheModelDoesNotKnowFailsWithAClearMessage() throws Exception {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Path data = FineTuneFixtures.colorSet(tmp.resolve("colour"), 2, 3);
        Run r = run("--set", "model.zoo=" + zoo, "eval", "--model", "fashion", "--data", data.toString(), "--quiet");
        assertEquals(ExitCodes.FAILURE, r.code());
        assertTrue(r.err().contains("does not know") && r.err().contains("tomatoes"), r.err());
    }
}
