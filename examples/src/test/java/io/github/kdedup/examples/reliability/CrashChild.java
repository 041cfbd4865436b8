package io.github.kdedup.examples.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link CrashConsumerMain} (or another main class) in a child JVM on the test's class path: counts the lines it prints,
 * and dies by SIGKILL ({@link Process#destroyForcibly()} on Linux). Its stderr goes to a temporary
 * file whose tail goes into failure messages.
 */
final class CrashChild implements AutoCloseable {

    final String name;
    private final Process process;
    private final Path stderr;
    final AtomicInteger handled = new AtomicInteger();
    final AtomicInteger lost = new AtomicInteger();
    final AtomicInteger commitFailed = new AtomicInteger();
    private volatile boolean killed;

    private CrashChild(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        Thread reader = new Thread(this::read, "child-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    static CrashChild start(String name, List<String> arguments) throws IOException {
        List<String> all = new ArrayList<>(List.of("name=" + name));
        all.addAll(arguments);
        return start(name, CrashConsumerMain.class, all);
    }

    /** Starts {@code main} (a class of the test's class path) with these arguments. */
    static CrashChild start(String name, Class<?> main, List<String> arguments) throws IOException {
        Path stderr = Files.createTempFile("kdedup-child-" + name + "-", ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(arguments);
        Process process =
                new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        return new CrashChild(name, process, stderr);
    }

    private void read() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                switch (line) {
                    case "H" -> handled.incrementAndGet();
                    case "LOST" -> lost.incrementAndGet();
                    case "COMMIT_FAILED" -> commitFailed.incrementAndGet();
                    default -> {}
                }
            }
        } catch (IOException e) {
            // the process died: nothing more to count
        }
    }

    /** Waits until this child has handled {@code count} records, failing when it died or took too long. */
    void awaitHandled(int count, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (handled.get() < count) {
            requireAlive();
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " handled only " + handled.get() + " records in " + within
                        + " (waited for " + count + "); its stderr:\n" + stderrTail());
            }
            Thread.sleep(2);
        }
    }

    void requireAlive() {
        if (!process.isAlive() && !killed) {
            throw new AssertionError(
                    name + " exited on its own with " + process.exitValue() + "; its stderr:\n" + stderrTail());
        }
    }

    /** Kills the process with SIGKILL and waits until it is gone. */
    void kill() throws InterruptedException {
        killed = true;
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " survived SIGKILL for 30 s");
        }
    }

    String stderrTail() {
        try {
            String all = Files.readString(stderr, StandardCharsets.UTF_8);
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(stderr);
        } catch (IOException e) {
            // a temp file left behind is not worth failing a test for
        }
    }
}
