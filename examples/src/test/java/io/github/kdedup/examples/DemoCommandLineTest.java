package io.github.kdedup.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The demo's command line")
class DemoCommandLineTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Demo.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    @DisplayName("prints its options and exit codes with --help")
    void shouldPrintHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("--store=URI", "--dedup=on|off", "--[no-]crash", "Exit codes:", "audit");
    }

    @Test
    @DisplayName("rejects an unknown store scheme with the schemes available, before starting Kafka")
    void shouldRejectAnUnknownStore() {
        assertThat(run("--store", "mongodb://localhost")).isEqualTo(Demo.USAGE);
        assertThat(err.toString())
                .contains("no store opens 'mongodb:'")
                .containsPattern("schemes available now: \\[.*\\bmemory\\b.*]");
    }

    @Test
    @DisplayName("rejects a crash without a second consumer, saying what to change")
    void shouldRejectACrashWithOneConsumer() {
        assertThat(run("--consumers", "1")).isEqualTo(Demo.USAGE);
        assertThat(err.toString())
                .contains("--crash needs at least 2 consumers")
                .contains("--no-crash");
    }

    @Test
    @DisplayName("rejects --dedup values other than on and off")
    void shouldRejectABadDedupValue() {
        assertThat(run("--dedup", "maybe")).isEqualTo(Demo.USAGE);
        assertThat(err.toString()).contains("expected on or off, got 'maybe'");
    }

    @Test
    @DisplayName("exits with 3 and a hint when Kafka does not answer")
    void shouldReportAnUnreachableBroker() {
        assertThat(run("--bootstrap-servers", "127.0.0.1:1", "--events", "10")).isEqualTo(Demo.KAFKA_UNREACHABLE);
        assertThat(err.toString()).contains("cannot reach Kafka at 127.0.0.1:1").contains("--bootstrap-servers");
    }
}
