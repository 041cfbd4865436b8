package io.github.kdedup.examples.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a {@code main} of the test sources with the test class path, for tests that
 * need a second process (races across processes, log capture at DEBUG). Its stderr goes to a file;
 * its stdout is read line by line. {@link #close()} kills it if it still runs. Not thread-safe.
 */
final class RaceJvm implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Path stderr;

    private RaceJvm(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    static RaceJvm start(Class<?> main, List<String> jvmOptions, List<String> arguments, Path stderr)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small and single-collector: two of them share two cores with the servers and Maven.
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(arguments);
        Process process =
                new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        return new RaceJvm(process, stderr);
    }

    /** Reads the next line of stdout; fails with the child's stderr when it ended instead. */
    String readLine() throws IOException {
        String line = out.readLine();
        if (line == null) {
            throw new IllegalStateException(
                    "the child JVM ended early (exit " + exitCode() + "); stderr:\n" + stderrText());
        }
        return line;
    }

    /** Sends one line to stdin. */
    void send(String line) throws IOException {
        in.write(line + "\n");
        in.flush();
    }

    /** Reads stdout to its end and waits for the exit; returns the remaining lines. */
    List<String> finish(Duration within) throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>();
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            lines.add(line);
        }
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the child JVM did not end within " + within);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(
                    "the child JVM failed (exit " + process.exitValue() + "); stderr:\n" + stderrText());
        }
        return lines;
    }

    String stderrText() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + stderr + ": " + e + ")";
        }
    }

    private String exitCode() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
