package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.producttagger.TestSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OfflineEngineTest {

    @BeforeAll
    static void offline() {
        TestSupport.offline();
    }

    @Test
    void mxnetEngineStartsOfflineFromTheNativeJar() {
        assertEquals("true", System.getProperty("ai.djl.offline"));
        Engine engine = Engine.getEngine("MXNet");
        assertEquals("MXNet", engine.getEngineName());
        assertTrue(engine.getVersion().startsWith("1.9"), engine.getVersion());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1, 2, 3});
            assertEquals(12f, a.mul(2).sum().getFloat(), 1e-6);
        }
    }

    @Test
    void nativesComeFromTheJarIntoTheConfiguredCache() throws Exception {
        Engine.getEngine("MXNet");
        assertTrue(ai.djl.util.Utils.isOfflineMode());
        java.nio.file.Path cache = java.nio.file.Path.of(System.getProperty("DJL_CACHE_DIR"));
        try (var files = java.nio.file.Files.walk(cache)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("libmxnet.so")),
                    "libmxnet.so extracted under " + cache);
        }
    }
}
