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
                .contains("use one of memory:, redis://HOST:6379")
                .contains("jdbc:postgresql://", "jdbc:mariadb://")
                .doesNotContain("jdbc:mysql");
        assertThat(err.toString().split("use one of", -1))
                .as("the schemes are listed once")
                .hasSize(2);
        assertThat(err.toString().strip()).as("one line").doesNotContain("\n");
    }

    @Test
    @DisplayName("never prints the password of a store URI it rejects")
    void shouldHideThePasswordOfARejectedUri() {
        assertThat(run("--store", "mongodb://app:s3cret@db:27017/x")).isEqualTo(Demo.USAGE);
        assertThat(err.toString()).doesNotContain("s3cret").contains("mongodb://app:****@db:27017/x");
    }

    @Test
    @DisplayName("refuses more consumers than partitions, saying which to raise")
    void shouldRefuseMoreConsumersThanPartitions() {
        assertThat(run("--partitions", "1")).isEqualTo(Demo.USAGE);
        assertThat(err.toString())
                .startsWith("error: --consumers (3) must not exceed --partitions (1)")
                .contains("raise --partitions to 3");
        assertThat(err.toString().strip()).as("one line, no usage dump").doesNotContain("\n");
    }

    @Test
    @DisplayName("lists every command on one uncut line, and wraps no store URI")
    void shouldListCommandsUncut() {
        assertThat(run("--help")).isZero();
        String help = out.toString();
        assertThat(help)
                .containsPattern("(?m)^  audit +Lists the event ids found at more than one offset of a topic\\.$");
        assertThat(help)
                .contains("  jdbc:postgresql://HOST:5432/DB?user=U\n", "  redis-cluster://HOST1:PORT,HOST2:PORT\n");
        assertThat(help).doesNotContain("jdbc:\n");
    }

    @Test
    @DisplayName("reads the processor's completion mode, and rejects another value")
    void shouldReadTheCompletionMode() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("--completion=per-record|per-batch");
        assertThat(run("--completion", "sometimes")).isEqualTo(Demo.USAGE);
        assertThat(err.toString()).contains("expected per-record or per-batch, got 'sometimes'");
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

    @Test
    @DisplayName("rejects a metrics port outside 0 to 65535 before starting anything")
    void shouldRejectABadMetricsPort() {
        assertThat(run("--metrics-port", "70000")).isEqualTo(Demo.USAGE);
        assertThat(err.toString().strip())
                .isEqualTo("error: --metrics-port must be 0 to 65535, got 70000 (--help lists the options)");
    }
}
