package io.producttagger;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * A command line run in this JVM, with what it printed: how the CLI's tests and the Spark job's tests run their
 * commands end to end.
 *
 * @param exitCode the command's exit code
 * @param out what it printed on standard output
 * @param err what it printed on standard error
 */
public record CommandRun(int exitCode, String out, String err) {

    /** Runs a command line with the given arguments, capturing its output and error streams. */
    public static CommandRun of(CommandLine cli, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args.toArray(String[]::new));
        return new CommandRun(code, out.toString(), err.toString());
    }
}
