package io.producttagger.model;

import com.sun.jna.NativeLibrary;
import java.util.Optional;

/**
 * Sets how many OpenMP threads MXNet's operators use on the calling thread only.
 *
 * <p>With {@code OMP_NUM_THREADS} in the environment MXNet sizes every parallel operator by
 * {@code omp_get_max_threads()}, and OpenMP keeps that number per thread: {@code omp_set_num_threads} on one
 * thread (with the NaiveEngine, operators run on the thread that calls them) changes that thread's operators and
 * nobody else's. So a background fine-tune can run on one core while serving threads keep both. The OpenMP
 * runtime is the one MXNet's native jar brought into the process, found in {@code /proc/self/maps}.
 */
public final class OpenMpThreads {

    private OpenMpThreads() {}

    /**
     * Limits the calling thread's later OpenMP parallel regions to {@code threads} threads.
     *
     * @param threads at least 1
     * @return false when no OpenMP runtime is loaded yet (load the engine first) or the platform has no
     *     {@code /proc/self/maps}; nothing changed then
     */
    public static boolean limitCallingThread(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        return runtime().map(lib -> {
            lib.getFunction("omp_set_num_threads").invokeVoid(new Object[] {threads});
            return true;
        }).orElse(false);
    }

    /** Returns the calling thread's OpenMP thread count, or empty when no OpenMP runtime is loaded. */
    public static Optional<Integer> ofCallingThread() {
        return runtime().map(lib -> lib.getFunction("omp_get_max_threads").invokeInt(new Object[0]));
    }

    /** The OpenMP runtime already mapped into this process (opening it again returns the same library). */
    private static Optional<NativeLibrary> runtime() {
        return EngineEnvironment.mapped("/libgomp.so", "/libiomp5.so").map(p -> NativeLibrary.getInstance(p.toString()));
    }
}
