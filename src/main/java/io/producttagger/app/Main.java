package io.producttagger.app;

import io.producttagger.cli.TaggerCommand;
import picocli.CommandLine;

/** The executable jar's entry point: runs the command line and exits with its code. */
public final class Main {

    private Main() {}

    /** Runs {@code product-tagger} with the given arguments. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Returns the command line with the composition root as its source of components (what tests run too). */
    public static CommandLine commandLine() {
        return TaggerCommand.commandLine(TaggerApp::new);
    }
}
