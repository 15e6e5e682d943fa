package io.producttagger.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaggerConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsWorkWithZeroSetup() {
        TaggerConfig c = TaggerConfig.defaults();
        assertEquals(8080, c.server().port());
        assertEquals("mobilenetv2-imagenet", c.model());
        assertEquals("mobilenetv2-imagenet-backbone", c.fineTune().baseModel());
        assertEquals(Path.of("model-zoo"), c.modelZoo());
        assertEquals(40_000_000L, c.vision().maxPixels());
        assertEquals(20L * 1024 * 1024, c.server().maxBodyBytes());
    }

    @Test
    void fileThenEnvironmentThenFlagsTakePrecedence() throws Exception {
        Path file = dir.resolve("tagger.properties");
        Files.writeString(file, "server.port=9000\ninference.top-k=7\nmodel.name=fromfile\n");
        TaggerConfig c = TaggerConfig.load(file,
                Map.of("TAGGER_SERVER_PORT", "9100", "TAGGER_MODEL_NAME", "fromenv", "UNRELATED", "x"),
                Map.of("server.port", "9200"));
        assertEquals(9200, c.server().port());
        assertEquals("fromenv", c.model());
        assertEquals(7, c.inference().topK());
    }

    @Test
    void rejectsUnknownKeyNamingItsSource() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TaggerConfig.load(null, Map.of(), Map.of("server.prot", "1")));
        assertTrue(e.getMessage().contains("server.prot"), e.getMessage());
        assertTrue(e.getMessage().contains("--set"), e.getMessage());
    }

    @Test
    void rejectsMalformedNumberNamingTheEnvironmentVariable() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TaggerConfig.load(null, Map.of("TAGGER_SERVER_PORT", "eighty"), Map.of()));
        assertTrue(e.getMessage().contains("TAGGER_SERVER_PORT"), e.getMessage());
    }

    @Test
    void keepUploadsIsOffByDefaultAndReachableFromFileEnvironmentAndFlag() throws Exception {
        assertFalse(TaggerConfig.defaults().fineTune().keepUploads());
        Path file = dir.resolve("tagger.properties");
        Files.writeString(file, "finetune.keep-uploads=true\n");
        assertTrue(TaggerConfig.load(file, Map.of(), Map.of()).fineTune().keepUploads());
        assertTrue(TaggerConfig.load(null, Map.of("TAGGER_FINETUNE_KEEP_UPLOADS", "true"), Map.of()).fineTune()
                .keepUploads());
        assertTrue(TaggerConfig.load(null, Map.of(), Map.of("finetune.keep-uploads", "true")).fineTune()
                .keepUploads());
        assertFalse(TaggerConfig.load(file, Map.of("TAGGER_FINETUNE_KEEP_UPLOADS", "false"), Map.of()).fineTune()
                .keepUploads(), "the environment overrides the file");
        ConfigException e = assertThrows(ConfigException.class,
                () -> TaggerConfig.load(null, Map.of("TAGGER_FINETUNE_KEEP_UPLOADS", "yes"), Map.of()));
        assertTrue(e.getMessage().contains("finetune.keep-uploads") && e.getMessage().contains("true or false"),
                e.getMessage());
    }

    @Test
    void bodyIdleTimeoutsHaveTheirDefaultsAndAreReachableFromFileEnvironmentAndFlag() throws Exception {
        TaggerConfig defaults = TaggerConfig.defaults();
        assertEquals(10_000L, defaults.server().bodyIdleTimeoutMs());
        assertEquals(30_000L, defaults.admin().bodyIdleTimeoutMs());
        Path file = dir.resolve("tagger.properties");
        Files.writeString(file, "server.body-idle-timeout-ms=2000\nadmin.body-idle-timeout-ms=3000\n");
        assertEquals(2000L, TaggerConfig.load(file, Map.of(), Map.of()).server().bodyIdleTimeoutMs());
        assertEquals(3000L, TaggerConfig.load(file, Map.of(), Map.of()).admin().bodyIdleTimeoutMs());
        TaggerConfig fromEnv = TaggerConfig.load(file, Map.of("TAGGER_SERVER_BODY_IDLE_TIMEOUT_MS", "4000",
                "TAGGER_ADMIN_BODY_IDLE_TIMEOUT_MS", "5000"), Map.of());
        assertEquals(4000L, fromEnv.server().bodyIdleTimeoutMs());
        assertEquals(5000L, fromEnv.admin().bodyIdleTimeoutMs());
        TaggerConfig fromFlags = TaggerConfig.load(file, Map.of("TAGGER_SERVER_BODY_IDLE_TIMEOUT_MS", "4000"),
                Map.of("server.body-idle-timeout-ms", "6000", "admin.body-idle-timeout-ms", "7000"));
        assertEquals(6000L, fromFlags.server().bodyIdleTimeoutMs());
        assertEquals(7000L, fromFlags.admin().bodyIdleTimeoutMs());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TaggerConfig.load(null, Map.of(), Map.of("admin.body-idle-timeout-ms", "0")));
        assertTrue(e.getMessage().contains("admin.body-idle-timeout-ms"), e.getMessage());
    }

    @Test
    void loadThreadsIsOneByDefaultAndReachableFromFileEnvironmentAndFlag() throws Exception {
        assertEquals(1, TaggerConfig.defaults().inference().loadThreads());
        Path file = dir.resolve("tagger.properties");
        Files.writeString(file, "inference.load-threads=2\n");
        assertEquals(2, TaggerConfig.load(file, Map.of(), Map.of()).inference().loadThreads());
        assertEquals(3, TaggerConfig.load(file, Map.of("TAGGER_INFERENCE_LOAD_THREADS", "3"), Map.of()).inference()
                .loadThreads());
        assertEquals(4, TaggerConfig.load(file, Map.of("TAGGER_INFERENCE_LOAD_THREADS", "3"),
                Map.of("inference.load-threads", "4")).inference().loadThreads());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TaggerConfig.load(null, Map.of("TAGGER_INFERENCE_LOAD_THREADS", "0"), Map.of()));
        assertTrue(e.getMessage().contains("inference.load-threads"), e.getMessage());
    }

    @Test
    void everyKeyIsInTheReadmeConfigurationTable() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (TaggerConfig.Key k : TaggerConfig.KEYS) {
            assertTrue(readme.lines().anyMatch(l -> l.startsWith("| ") && l.contains("`" + k.name() + "`")),
                    k.name() + " is missing from the README's configuration table");
        }
    }

    @Test
    void rejectsOutOfRangeValue() {
        assertThrows(ConfigException.class,
                () -> TaggerConfig.load(null, Map.of(), Map.of("server.port", "70000")));
    }

    @Test
    void readsAndChecksTheEngineThreadSettingsFromTheirOwnVariables() {
        TaggerConfig c = TaggerConfig.load(null, Map.of("OMP_NUM_THREADS", "2", "MXNET_ENGINE_TYPE", "NaiveEngine"),
                Map.of());
        assertEquals(new TaggerConfig.Engine(2, "NaiveEngine"), c.engine());
        assertEquals(new TaggerConfig.Engine(0, ""), TaggerConfig.defaults().engine());
        ConfigException omp = assertThrows(ConfigException.class,
                () -> TaggerConfig.load(null, Map.of("OMP_NUM_THREADS", "two"), Map.of()));
        assertTrue(omp.getMessage().contains("OMP_NUM_THREADS"), omp.getMessage());
        ConfigException type = assertThrows(ConfigException.class,
                () -> TaggerConfig.load(null, Map.of("MXNET_ENGINE_TYPE", "Fast"), Map.of()));
        assertTrue(type.getMessage().contains("NaiveEngine, ThreadedEngine"), type.getMessage());
    }

    @Test
    void refusesEveryEngineButTheNaiveOneAndSaysWhatToSet() {
        for (String other : List.of("ThreadedEngine", "ThreadedEnginePerDevice")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> TaggerConfig.load(null, Map.of("MXNET_ENGINE_TYPE", other), Map.of()));
            assertTrue(e.getMessage().contains("MXNET_ENGINE_TYPE=" + other)
                    && e.getMessage().contains("set MXNET_ENGINE_TYPE=NaiveEngine"), e.getMessage());
        }
        assertTrue(new TaggerConfig.Engine(0, "").describe().contains("MXNET_ENGINE_TYPE=NaiveEngine (unset"),
                "unset is reported as what MXNet runs");
    }

    @Test
    void warnsWhenWorkersTimesOpenMpThreadsExceedTheCores() {
        assertTrue(new TaggerConfig.Engine(2, "NaiveEngine").warning(2, 1).isEmpty());
        assertTrue(new TaggerConfig.Engine(2, "NaiveEngine").warning(2, 2).orElseThrow().contains("OMP_NUM_THREADS"));
        assertTrue(new TaggerConfig.Engine(0, "").warning(4, 2).isPresent(), "unset means every core per worker");
    }
}
