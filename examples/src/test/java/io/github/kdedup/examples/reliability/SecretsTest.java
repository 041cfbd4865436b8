package io.github.kdedup.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.tck.LocalPostgres;
import io.github.kdedup.tck.RedisServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Passwords from store URIs ({@code redis://}, {@code rediss://}, {@code redis-cluster://}, {@code
 * jdbc:...password=}) and from {@code DataSource}s never reach logs (every logger at DEBUG), exception
 * messages and stack traces (whole cause chains), metric tags or {@code toString}, on success and on
 * failure paths. The scenarios run in a child JVM ({@link SecretsScenarios}) so that logging can be
 * set to DEBUG and captured to a file without touching the other tests of this JVM.
 */
@DisplayName("Secrets")
class SecretsTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("no password appears in logs, exceptions, stack traces, metric tags or toString")
    void shouldNeverShowAPassword() throws Exception {
        // Distinctive, so that a hit can only be a leak; URL-safe, so that it reads the same encoded.
        String password = "Sekret" + UUID.randomUUID().toString().replace("-", "");
        Path log = dir.resolve("kdedup.log");
        List<String> stdout;
        RaceJvm child = null;
        try (RedisServerProcess redis = RedisServerProcess.start("--requirepass", password);
                LocalPostgres postgres = LocalPostgres.start(password)) {
            int nothing = RedisServerProcess.freePort();
            child = RaceJvm.start(
                    SecretsScenarios.class,
                    List.of(
                            "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
                            "-Dorg.slf4j.simpleLogger.logFile=" + log,
                            "-Dorg.slf4j.simpleLogger.showDateTime=false"),
                    List.of(password, Integer.toString(redis.port()), postgres.url(), Integer.toString(nothing)),
                    dir.resolve("stderr.txt"));
            stdout = child.finish(Duration.ofSeconds(120));
        } finally {
            if (child != null) {
                child.close();
            }
        }
        String out = String.join("\n", stdout);
        String logs = Files.readString(log, StandardCharsets.UTF_8);
        String err = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);

        // The scenarios really ran: every failure path failed, meters were recorded, DEBUG was logged.
        assertThat(stdout).contains("failures 12");
        assertThat(out).contains("authentication failed").contains("password authentication failed");
        assertThat(out).contains("connection refused").contains("cannot connect");
        assertThat(stdout).anyMatch(line -> line.startsWith("meter kdedup.store.latency"));
        assertThat(logs).contains("DEBUG").contains("kdedup interceptor");

        assertThat(out).as("stdout: toString, exceptions, stack traces, meters").doesNotContain(password);
        assertThat(logs).as("the DEBUG log").doesNotContain(password);
        assertThat(err).as("stderr").doesNotContain(password);
    }
}
