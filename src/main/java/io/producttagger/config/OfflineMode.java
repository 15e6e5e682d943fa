package io.producttagger.config;

import java.nio.file.Path;

/**
 * Puts DJL into offline mode before any DJL class loads.
 *
 * <p>DJL's engine contacts a cloud metadata address when its classes initialise unless offline mode
 * and tracking opt-out are in force, so this must run first thing in {@code main} and in test
 * set-up. It only sets JVM system properties; it is idempotent and holds no state.
 */
public final class OfflineMode {

    private OfflineMode() {}

    /**
     * Sets offline mode, tracking opt-out and the engine cache folder.
     *
     * @param engineCacheDir where DJL extracts the MXNet native libraries from the native jar
     */
    public static void enforce(Path engineCacheDir) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        // DJL reads both the property and the environment variable; the property wins for the JVM.
        System.setProperty("ai.djl.mxnet.disable_tracking", "true");
        String dir = engineCacheDir.toAbsolutePath().toString();
        System.setProperty("DJL_CACHE_DIR", dir);
        System.setProperty("ENGINE_CACHE_DIR", dir);
        System.setProperty("ai.djl.default_engine", "MXNet");
    }
}
