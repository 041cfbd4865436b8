package io.github.kdedup.cli;

import io.github.kdedup.IdempotencyStoreException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar kdedup.jar}: the operator's command line, {@code inspect} and {@code check}.
 * Each command documents its exit codes in its {@code --help}; on top of them, {@value
 * CliErrors#USAGE} is a bad option or store URI, {@value #STORE_UNAVAILABLE} a store that did not
 * answer, {@value #INTERNAL} anything else.
 */
@Command(
        name = "kdedup",
        mixinStandardHelpOptions = true,
        version = "kdedup 0.1.0",
        subcommands = {InspectCommand.class, CheckCommand.class},
        description = {"Looks at a kdedup store as your consumers see it.", ""},
        exitCodeListHeading = "%nExit codes (each command adds its own, see its --help):%n",
        exitCodeList = {"2:bad option or store URI", "4:store unreachable", "70:internal error"})
public final class Kdedup implements Runnable {

    /** The store did not answer. */
    public static final int STORE_UNAVAILABLE = 4;
    /** Anything else. */
    public static final int INTERNAL = 70;

    @CommandLine.Spec
    CommandLine.Model.@org.jspecify.annotations.Nullable CommandSpec spec;

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        // The stores' pools and drivers log at INFO, and the MariaDB driver logs a refused login as a WARN
        // next to the error line this command prints: an operator's terminal wants one line per error.
        defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        defaultProperty("org.slf4j.simpleLogger.log.org.mariadb.jdbc", "error");
        defaultProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "error");
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    /**
     * Runs the command line without exiting, for tests.
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit code
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Kdedup());
        cli.setOut(out);
        cli.setErr(err);
        CliErrors.install(cli, Kdedup::exitCode);
        return cli.execute(args);
    }

    /**
     * Returns the exit code of an exception a command threw.
     *
     * @param e the exception
     * @return {@link #STORE_UNAVAILABLE}, {@link CliErrors#USAGE} or {@link #INTERNAL}
     */
    public static int exitCode(Throwable e) {
        if (e instanceof IdempotencyStoreException) {
            return STORE_UNAVAILABLE;
        }
        if (e instanceof IllegalArgumentException) {
            return CliErrors.USAGE;
        }
        return INTERNAL;
    }

    @Override
    public void run() {
        // No command: show what there is.
        if (spec != null) {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }
}
