package io.producttagger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.CommandRun;
import io.producttagger.TestSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code models import}: one command for every source format, refusing what it does not know with the reason. */
class ImportCommandTest {

    @TempDir
    Path tmp;

    private CommandRun importing(String command, Path source) {
        TestSupport.offline();
        return CommandRun.of(io.producttagger.app.Main.commandLine(),
                List.of("--set", "model.zoo=" + tmp.resolve("zoo"), "models", command, source.toString()));
    }

    @Test
    void aFileInNeitherFormatIsRefusedNamingTheFormatsAndItsFirstBytes() throws Exception {
        Path source = Files.writeString(tmp.resolve("weights.bin"), "PK\u0003\u0004 not a model",
                StandardCharsets.ISO_8859_1);
        CommandRun r = importing("import", source);
        assertEquals(ExitCodes.FAILURE, r.exitCode(), r.out());
        assertTrue(r.err().contains("none of the formats") && r.err().contains("TF.js graph model")
                && r.err().contains("TensorFlow Lite") && r.err().contains("50 4b 03 04"), r.err());
        assertFalse(Files.exists(tmp.resolve("zoo")), "nothing published");
    }

    @Test
    void aTfliteFileWithAnUnknownChecksumIsRefusedNamingTheKnownOnes() throws Exception {
        Path source = Files.write(tmp.resolve("other.tflite"), "\0\0\0\0TFL3 another network".getBytes(
                StandardCharsets.ISO_8859_1));
        CommandRun r = importing("import", source);
        assertEquals(ExitCodes.FAILURE, r.exitCode(), r.out());
        assertTrue(r.err().contains("unrecognised TensorFlow Lite file") && r.err().contains("SHA-256")
                && r.err().contains("mobilenet_v2_1.0_224_quant.tflite"), r.err());
    }

    @Test
    void importTfjsStillImportsTfjsGraphModels() throws Exception {
        Path source = Files.writeString(tmp.resolve("model.json"), "{\"format\": \"graph-model\"}");
        CommandRun r = importing("import-tfjs", source);
        assertEquals(ExitCodes.FAILURE, r.exitCode(), r.out());
        assertTrue(r.err().contains("unrecognised TF.js model"), r.err());
    }
}
