package io.producttagger.model;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import io.producttagger.config.ConfigException;
import io.producttagger.config.OfflineMode;
import io.producttagger.config.TaggerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Makes the process ready for the MXNet engine, once, before the engine loads: DJL offline, and the engine
 * settings that the project's correctness depends on set in the process environment or refused.
 *
 * <p>Several threads run predictors of one loaded version at once, each with its own OpenMP limit
 * ({@link OpenMpThreads}); that holds only when operators run on the thread that calls them, which is MXNet's
 * {@code NaiveEngine}. MXNet reads {@code MXNET_ENGINE_TYPE} from the C environment when its engine starts, so
 * the JVM's own view ({@link System#getenv()}, a snapshot) is not enough: this reads and writes the C
 * environment itself. Unset, it is set to {@code NaiveEngine}; set to another engine, the process refuses to
 * start with a message that says what to set. The server, every command, the tests and the Spark job's driver
 * and executors call {@link #prepare} before they touch DJL; a {@code local[*]} Spark run, whose executor is the
 * driver's JVM and never sees {@code spark.executorEnv}, is covered the same way. The process environment is the
 * one piece of global state, so this class holds no state of its own.
 *
 * <p>It also sets the OpenMP wait policy ({@code OMP_WAIT_POLICY}, default {@link #DEFAULT_WAIT_POLICY}) before
 * MXNet's OpenMP runtime loads, a speed setting that the environment overrides.
 */
public final class EngineEnvironment {

    private static final String ENGINE_TYPE = "MXNET_ENGINE_TYPE";

    /** How OpenMP threads wait at a barrier; read by the OpenMP runtime (libgomp) once, when it loads. */
    static final String WAIT_POLICY = "OMP_WAIT_POLICY";

    /**
     * The wait policy set when the environment names none: sleeping at once instead of spinning. MXNet's libgomp
     * otherwise spins a waiting thread for about 300,000 rounds at every barrier; with another process on one of
     * the two cores an operator's barrier waits for a descheduled thread while its partner burns the other core,
     * and OMP=2 inference fell to seconds per image (README, Performance, for the measured figures).
     */
    static final String DEFAULT_WAIT_POLICY = "PASSIVE";

    private EngineEnvironment() {}

    /**
     * Puts DJL offline with its natives in {@code engineCache} and enforces the engine type.
     *
     * @param engineCache where DJL extracts the MXNet natives
     * @throws ConfigException when {@code MXNET_ENGINE_TYPE} names another engine, or MXNet was loaded before it
     *     could be set
     */
    public static synchronized void prepare(Path engineCache) {
        OfflineMode.enforce(engineCache);
        NativeLibrary c = NativeLibrary.getInstance("c");
        String type = (String) c.getFunction("getenv").invoke(String.class, new Object[] {ENGINE_TYPE});
        String set = type == null ? "" : type.trim();
        TaggerConfig.Engine.refusal(set).ifPresent(message -> {
            throw new ConfigException(message);
        });
        setWaitPolicy(c);
        if (!set.isEmpty()) {
            return;
        }
        Optional<Path> mxnet = mapped("/libmxnet.so");
        if (mxnet.isPresent()) {
            throw new ConfigException("MXNet (" + mxnet.get() + ") was loaded before " + ENGINE_TYPE
                    + " could be set: set " + ENGINE_TYPE + "=" + TaggerConfig.Engine.REQUIRED_TYPE
                    + " in the environment");
        }
        Function setenv = c.getFunction("setenv");
        int rc = setenv.invokeInt(new Object[] {ENGINE_TYPE, TaggerConfig.Engine.REQUIRED_TYPE, 1});
        if (rc != 0) {
            throw new ConfigException("could not set " + ENGINE_TYPE + " in the process environment: set "
                    + ENGINE_TYPE + "=" + TaggerConfig.Engine.REQUIRED_TYPE + " before starting");
        }
    }

    /**
     * Sets {@code OMP_WAIT_POLICY} to {@link #DEFAULT_WAIT_POLICY} in the C environment when it is unset and no
     * OpenMP runtime is loaded yet (the runtime reads it once, at load); a value in the environment is kept, so
     * {@code OMP_WAIT_POLICY=active} overrides it.
     */
    private static void setWaitPolicy(NativeLibrary c) {
        String policy = (String) c.getFunction("getenv").invoke(String.class, new Object[] {WAIT_POLICY});
        if (policy != null && !policy.isBlank() || mapped("/libgomp.so", "/libiomp5.so").isPresent()) {
            return;
        }
        c.getFunction("setenv").invokeInt(new Object[] {WAIT_POLICY, DEFAULT_WAIT_POLICY, 1});
    }

    /**
     * Returns the OpenMP wait policy the runtime reads when it loads: the C environment's value, or empty when
     * unset.
     */
    public static String waitPolicy() {
        String policy = (String) NativeLibrary.getInstance("c").getFunction("getenv")
                .invoke(String.class, new Object[] {WAIT_POLICY});
        return policy == null ? "" : policy.trim();
    }

    /** Returns the engine type MXNet reads when it starts: the C environment's value, or empty when unset. */
    public static String engineType() {
        String type = (String) NativeLibrary.getInstance("c").getFunction("getenv")
                .invoke(String.class, new Object[] {ENGINE_TYPE});
        return type == null ? "" : type.trim();
    }

    /**
     * Returns the first native library mapped into this process whose path contains one of {@code names}.
     *
     * @return empty when none is, or the platform has no {@code /proc/self/maps}
     */
    static Optional<Path> mapped(String... names) {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try (var lines = Files.lines(maps)) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.startsWith("/") && java.util.Arrays.stream(names).anyMatch(p::contains))
                    .findFirst().map(Path::of);
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }
}
