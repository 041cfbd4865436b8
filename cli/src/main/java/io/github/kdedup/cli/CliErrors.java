package io.github.kdedup.cli;

import java.util.function.ToIntFunction;
import picocli.CommandLine;

/**
 * How kdedup's command lines report errors: one line on standard error that starts {@code error: }
 * and names what to change, never the usage dump, and an exit code per kind of failure. Stateless
 * and thread-safe.
 */
public final class CliErrors {

    /** A bad option or store URI. */
    public static final int USAGE = 2;

    private CliErrors() {}

    /**
     * Installs the handlers on a command line and, as picocli does, on all its subcommands known now.
     *
     * @param cli the command line
     * @param exitCode the exit code of an exception a command threw
     */
    public static void install(CommandLine cli, ToIntFunction<Throwable> exitCode) {
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("error: " + oneLine(e) + " (--help lists the options)");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + oneLine(e));
            return exitCode.applyAsInt(e);
        });
    }

    /**
     * Returns the message of an error as one line: scripts and log shippers read one line per error.
     *
     * @param e the error
     * @return its message without line breaks, or its type when it has none
     */
    public static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
