package io.producttagger.vision;

/** Loads OpenCV's native library once per JVM (the one-time native bootstrap the architecture allows). */
public final class OpenCv {

    private static volatile boolean loaded;

    private OpenCv() {}

    /** Loads the OpenCV natives bundled in {@code org.openpnp:opencv} if not yet loaded. */
    public static void load() {
        if (!loaded) {
            synchronized (OpenCv.class) {
                if (!loaded) {
                    nu.pattern.OpenCV.loadLocally();
                    loaded = true;
                }
            }
        }
    }
}
