package io.github.kdedup.tck;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private {@code redis-server} process on a free loopback port, in its own temporary directory, for
 * tests that stop, restart or misconfigure a server (the shared one on 6379 is never touched). Needs
 * {@code redis-server} on the PATH. {@link #close()} kills the process and deletes the directory.
 * Not thread-safe.
 */
public final class RedisServerProcess implements AutoCloseable {

    private final String binary;
    private final int port;
    private final Path dir;
    private final List<String> arguments;
    private Process process;

    private RedisServerProcess(String binary, int port, Path dir, List<String> arguments) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.arguments = arguments;
    }

    /**
     * Starts a server on a free port.
     *
     * @param extra more {@code redis-server} arguments, such as {@code --requirepass x}
     * @return the running server
     */
    public static RedisServerProcess start(String... extra) {
        return startBinary("redis-server", extra);
    }

    /**
     * Starts a server from a given {@code redis-server} binary, such as an older version (see {@link
     * Redis62Binary}), on a free port.
     *
     * @param binary the executable, a path or a name on the PATH
     * @param extra more {@code redis-server} arguments
     * @return the running server
     */
    public static RedisServerProcess startBinary(String binary, String... extra) {
        try {
            Path dir = Files.createTempDirectory("kdedup-redis-");
            RedisServerProcess server = new RedisServerProcess(binary, freePort(), dir, List.of(extra));
            server.startProcess();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + binary + ": is it installed and on the PATH?", e);
        }
    }

    /** Returns a free loopback port. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** Starts the process again on the same port and directory (after {@link #stop()}). */
    public void startProcess() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                binary,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                dir.toString(),
                "--save",
                "",
                "--daemonize",
                "no",
                "--logfile",
                dir.resolve("redis.log").toString()));
        command.addAll(arguments);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        awaitListening(port, process, Duration.ofSeconds(10));
    }

    static void awaitListening(int port, Process process, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!TestServices.listening(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server did not start on port " + port
                        + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Stops the process at once (SIGKILL), keeping its directory: with AOF fsync always, nothing acknowledged is lost. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (TestServices.listening(port) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    /** Returns the port. */
    public int port() {
        return port;
    }

    /** Returns {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
        deleteTree(dir);
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp dir left behind is not worth failing a test for
        }
    }
}
