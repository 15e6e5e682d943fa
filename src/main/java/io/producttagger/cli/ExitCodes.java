package io.producttagger.cli;

/** Process exit codes shared by the commands. */
public final class ExitCodes {
    /** Everything worked. */
    public static final int OK = 0;
    /** The command failed (bad data, missing model, runtime error). */
    public static final int FAILURE = 1;
    /** The command line was wrong (picocli's usage error code). */
    public static final int USAGE = 2;
    /** Some inputs (images) failed while the others succeeded. */
    public static final int PARTIAL = 3;

    private ExitCodes() {}
}
