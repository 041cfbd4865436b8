package io.github.kdedup.cli;

import io.github.kdedup.StoreUri;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kdedup check --store URI}: a health report of a store as deployed, one line per
 * finding, each OK, WARN or FAIL with what to do; the exit code is the worst finding, for scripts.
 * Talks to the backend directly (Jedis, JDBC); opens no kdedup store, so it creates no table and
 * starts no purge. The URI's password is never printed.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Checks a store as deployed: OK, WARN or FAIL lines, exit 0, 1 or 2.",
        description = {
            "Checks a store as deployed: reachable, server version and what kdedup needs of it",
            "(Redis: 7.0+, maxmemory-policy, persistence, replication; PostgreSQL and MariaDB:",
            "version, the claims table and its DDL, rows, expired rows, purge). Each line is OK,",
            "WARN or FAIL with what to do.",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every line OK",
            "1:a WARN, no FAIL: works, but can lose claims or grow in some situation",
            "2:a FAIL (including an unreachable store), or a bad option or URI"
        })
public final class CheckCommand implements Callable<Integer> {

    /** Every finding OK. */
    public static final int OK = 0;
    /** The worst finding is a WARN. */
    public static final int WARN = 1;
    /** A FAIL, or a bad option. */
    public static final int FAIL = 2;

    @Option(
            names = "--store",
            required = true,
            paramLabel = "URI",
            description = "The store URI your consumers use (memory:, redis://, rediss://, redis-cluster://,"
                    + " jdbc:postgresql://, jdbc:mariadb://).")
    String store = "";

    @CommandLine.Spec
    CommandLine.Model.@Nullable CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cli = spec == null ? new CommandLine(this) : spec.commandLine();
        StoreUri uri = StoreSchemes.requireKnown(store, cli);
        List<Finding> findings;
        try {
            findings = checker(uri).check(uri);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, e.getMessage());
        }
        PrintWriter out = cli.getOut();
        print(uri, findings, out);
        out.flush();
        return exitCode(findings);
    }

    /**
     * Returns the checker of a scheme.
     *
     * @param uri the parsed URI, whose scheme a store module opens
     * @return the checker
     */
    static StoreChecker checker(StoreUri uri) {
        return switch (uri.scheme()) {
            case "memory" -> new MemoryChecker();
            case "redis", "rediss", "redis-cluster" -> new RedisChecker();
            case "jdbc:postgresql", "jdbc:mariadb" -> new JdbcChecker();
            default ->
                throw new IllegalArgumentException(
                        "check knows memory:, redis://, rediss://, redis-cluster://, jdbc:postgresql:// and"
                                + " jdbc:mariadb://; got '" + uri.scheme() + ":'");
        };
    }

    /**
     * Returns the exit code of a report: the worst level.
     *
     * @param findings the findings
     * @return {@link #OK}, {@link #WARN} or {@link #FAIL}
     */
    static int exitCode(List<Finding> findings) {
        Finding.Level worst = findings.stream()
                .map(Finding::level)
                .max(Comparator.naturalOrder())
                .orElse(Finding.Level.FAIL);
        return switch (worst) {
            case OK -> OK;
            case WARN -> WARN;
            case FAIL -> FAIL;
        };
    }

    /**
     * Prints a report: a title with the redacted URI, one aligned line per finding, a result line.
     *
     * @param uri the store URI
     * @param findings the findings
     * @param out where to
     */
    static void print(StoreUri uri, List<Finding> findings, PrintWriter out) {
        out.println("check of " + uri.redacted());
        int width = findings.stream().mapToInt(f -> f.subject().length()).max().orElse(10);
        for (Finding f : findings) {
            out.printf("  %-4s  %-" + width + "s  %s%n", f.level(), f.subject(), f.detail());
        }
        long fails =
                findings.stream().filter(f -> f.level() == Finding.Level.FAIL).count();
        long warns =
                findings.stream().filter(f -> f.level() == Finding.Level.WARN).count();
        String worst =
                switch (exitCode(findings)) {
                    case OK -> "OK";
                    case WARN -> "WARN";
                    default -> "FAIL";
                };
        out.println("RESULT: " + worst + " (" + fails + " FAIL, " + warns + " WARN, "
                + (findings.size() - fails - warns) + " OK)");
        if (fails + warns > 0) {
            out.println("exit code " + exitCode(findings) + ": " + worst.toLowerCase(Locale.ROOT));
        }
    }
}
