package io.github.kdedup.tck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A throwaway PostgreSQL server of this test run, for tests that must stop and start a database
 * (never the shared one). It runs the binaries of {@code /usr/lib/postgresql/15/bin} (or {@code
 * KDEDUP_TEST_PG_BIN}) on a free loopback port, with its data directory and unix socket in a
 * temporary directory. PostgreSQL refuses to run as root, so when the tests run as root every
 * command runs as the {@code postgres} OS user through {@code runuser}.
 *
 * <p>Use it in try-with-resources or close it in {@code @AfterAll}: {@link #close()} stops the
 * server (immediately) and deletes the directory. Not thread-safe.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final String OS_USER = "postgres";

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final int port;
    private final @Nullable String password;
    private boolean running;

    private LocalPostgres(Path bin, Path dir, int port, @Nullable String password) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.password = password;
    }

    /**
     * Creates a cluster and starts it.
     *
     * @param password the password of user {@code postgres} (scram-sha-256 auth), or {@code null}
     *     for trust auth
     * @return the running server
     */
    public static LocalPostgres start(@Nullable String password) {
        String binDir = System.getenv().getOrDefault("KDEDUP_TEST_PG_BIN", "/usr/lib/postgresql/15/bin");
        Path bin = Path.of(binDir);
        if (!Files.isExecutable(bin.resolve("initdb"))) {
            throw new IllegalStateException("LocalPostgres needs the PostgreSQL server binaries (initdb, pg_ctl) in "
                    + binDir + ": install postgresql-15 or set KDEDUP_TEST_PG_BIN");
        }
        LocalPostgres pg;
        try {
            Path dir = Files.createTempDirectory("kdedup-pg-");
            pg = new LocalPostgres(bin, dir, freePort(), password);
            if (isRoot()) {
                run(List.of("chown", OS_USER, dir.toString()), false);
            }
            List<String> initdb = new ArrayList<>(List.of(
                    bin.resolve("initdb").toString(),
                    "-D",
                    pg.data.toString(),
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8"));
            if (password != null) {
                Path pwfile = dir.resolve("pwfile");
                Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
                if (isRoot()) {
                    run(List.of("chown", OS_USER, pwfile.toString()), false);
                }
                initdb.addAll(List.of("-A", "scram-sha-256", "--pwfile=" + pwfile));
            } else {
                initdb.addAll(List.of("-A", "trust"));
            }
            run(initdb, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pg.startServer();
        return pg;
    }

    /** Returns the JDBC URL of database {@code postgres} as user {@code postgres}, without password. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    /** Returns the port, which stays the same across restarts. */
    public int port() {
        return port;
    }

    /** Starts the server (again), on the same port, and waits until it accepts connections. */
    public void startServer() {
        run(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        data.toString(),
                        "-l",
                        dir.resolve("server.log").toString(),
                        "-o",
                        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
                        "-w",
                        "-t",
                        "30",
                        "start"),
                true);
        running = true;
    }

    /** Stops the server at once, like a crash: {@code pg_ctl stop -m immediate}. */
    public void stopImmediately() {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"), true);
        running = false;
    }

    @Override
    public void close() {
        try {
            if (running) {
                stopImmediately();
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void run(List<String> command, boolean asPostgres) {
        List<String> full = new ArrayList<>();
        if (asPostgres && isRoot()) {
            full.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        full.addAll(command);
        try {
            Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("command failed: " + String.join(" ", full) + "\n"
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + full.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", full), e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
