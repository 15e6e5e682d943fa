package io.producttagger.app;

import io.producttagger.cli.TaggerCommand;

/** The executable jar's entry point: runs the command line and exits with its code. */
public final class Main {

    private Main() {}

    /** Runs {@code product-tagger} with the given arguments. */
    public static void main(String[] args) {
        System.exit(TaggerCommand.commandLine().execute(args));
    }
}
