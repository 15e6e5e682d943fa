package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import io.producttagger.TestSupport;
import io.producttagger.config.ConfigException;
import io.producttagger.config.OfflineMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine type is set before MXNet loads or the process refuses to start; checked in fresh JVMs, since a JVM
 * loads MXNet once.
 */
class EngineEnvironmentTest {

    private static final Path CACHE = Path.of("target/djl-cache").toAbsolutePath();

    /** What a child JVM did: its exit code and everything it printed. */
    private record Child(int exit, String output) {}

    private static Child run(Map<String, String> env, String mainClass, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("MXNET_ENGINE_TYPE");
        builder.environment().remove("OMP_WAIT_POLICY");
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "child finished");
        return new Child(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    @Test
    void thisTestJvmRunsTheNaiveEngine() {
        TestSupport.offline();
        Engine.getEngine("MXNet");
        assertEquals("NaiveEngine", EngineEnvironment.engineType());
    }

    @Test
    void anUnsetEngineTypeIsSetBeforeMxnetLoads() throws Exception {
        Child child = run(Map.of(), LoadsAfterPrepare.class.getName());
        assertEquals(0, child.exit(), child.output());
        assertTrue(child.output().contains("engine type after load: NaiveEngine"), child.output());
        assertTrue(child.output().contains("MXNet start using engine: NaiveEngine"), "MXNet's own word: "
                + child.output());
    }

    @Test
    void anUnsetWaitPolicyIsPassiveBeforeOpenMpLoads() throws Exception {
        Child child = run(Map.of(), LoadsAfterPrepare.class.getName());
        assertEquals(0, child.exit(), child.output());
        assertTrue(child.output().contains("wait policy after load: PASSIVE"), child.output());
    }

    @Test
    void aWaitPolicyInTheEnvironmentIsKept() throws Exception {
        Child child = run(Map.of("OMP_WAIT_POLICY", "active"), LoadsAfterPrepare.class.getName());
        assertEquals(0, child.exit(), child.output());
        assertTrue(child.output().contains("wait policy after load: active"), child.output());
    }

    @Test
    void theCommandLineRefusesAnotherEngineAndSaysWhatToSet() throws Exception {
        Child child = run(Map.of("MXNET_ENGINE_TYPE", "ThreadedEnginePerDevice"), "io.producttagger.app.Main",
                "classify", "test-images/vision/cmyk-red-blue.jpg");
        assertTrue(child.exit() != 0, child.output());
        assertTrue(child.output().contains("MXNET_ENGINE_TYPE=ThreadedEnginePerDevice")
                && child.output().contains("set MXNET_ENGINE_TYPE=NaiveEngine"), child.output());
    }

    @Test
    void mxnetLoadedBeforehandWithoutTheSettingIsRefused() throws Exception {
        Child child = run(Map.of(), LoadsBeforePrepare.class.getName());
        assertEquals(3, child.exit(), child.output());
        assertTrue(child.output().contains("was loaded before MXNET_ENGINE_TYPE could be set"), child.output());
    }

    /** A child that prepares the environment, then loads MXNet and prints the type it started with. */
    static final class LoadsAfterPrepare {
        private LoadsAfterPrepare() {}

        public static void main(String[] args) {
            EngineEnvironment.prepare(CACHE);
            Engine.getEngine("MXNet");
            System.out.println("engine type after load: " + EngineEnvironment.engineType());
            System.out.println("wait policy after load: " + EngineEnvironment.waitPolicy());
        }
    }

    /** A child that loads MXNet first, then asks for the environment too late. */
    static final class LoadsBeforePrepare {
        private LoadsBeforePrepare() {}

        public static void main(String[] args) {
            OfflineMode.enforce(CACHE);
            Engine.getEngine("MXNet");
            try {
                EngineEnvironment.prepare(CACHE);
            } catch (ConfigException e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }
}
