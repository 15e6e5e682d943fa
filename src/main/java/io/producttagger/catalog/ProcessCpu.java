package io.producttagger.catalog;

import java.lang.management.ManagementFactory;

/**
 * The CPU time this process has used. On a machine whose cores other processes share, images/s move with their
 * load, while the CPU time an image costs hardly does: benchmarks report both.
 */
public final class ProcessCpu {

    private ProcessCpu() {}

    /** Returns the CPU seconds (all threads, user and system) this process has used so far, or NaN if unknown. */
    public static double seconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long ns = os.getProcessCpuTime();
            return ns < 0 ? Double.NaN : ns / 1e9;
        }
        return Double.NaN;
    }
}
