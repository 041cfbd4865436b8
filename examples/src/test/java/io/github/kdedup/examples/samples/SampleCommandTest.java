package io.github.kdedup.examples.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.examples.Demo;
import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("kdedup-demo sample")
class SampleCommandTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interceptor", "processor", "relay", "postgres-ledger"})
    @DisplayName("runs each sample with one command, prints what it did and deletes what it created")
    void shouldRunEachSample(String sample) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            Set<String> topicsBefore = admin.listTopics().names().get();

            int code = Demo.execute(
                    new String[] {
                        "sample",
                        sample,
                        "--bootstrap-servers",
                        TestKafka.bootstrapServers(),
                        "--events",
                        "300",
                        "--jdbc-url",
                        TestServices.postgresUrl()
                    },
                    new PrintWriter(out, true),
                    new PrintWriter(err, true));

            System.out.println(out);
            assertThat(err.toString()).isEmpty();
            assertThat(code).isZero();
            assertThat(out.toString())
                    .containsPattern("wrote 300 events \\+ \\d+ republished copies")
                    .containsPattern("handler calls 300 for 300 of 300 events; \\d+ copies never reached the handler")
                    .contains("RESULT: OK, each event handled once")
                    .contains("deleted topics");
            assertThat(admin.listTopics().names().get()).isEqualTo(topicsBefore);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            classes = {
                InterceptorConsumer.class,
                ProcessorConsumer.class,
                TransactionalRelayConsumer.class,
                PostgresLedgerConsumer.class
            })
    @DisplayName("gives each sample class a main method, for java -cp kdedup-demo.jar")
    void shouldGiveEachSampleAMain(Class<?> sample) throws Exception {
        assertThat(Modifier.isStatic(sample.getMethod("main", String[].class).getModifiers()))
                .isTrue();
    }

    @org.junit.jupiter.api.Test
    @DisplayName("rejects an unknown sample with the names it knows, in one line")
    void shouldRejectAnUnknownSample() {
        StringWriter err = new StringWriter();
        int code = Demo.execute(
                new String[] {"sample", "spring"},
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertThat(code).isEqualTo(Demo.USAGE);
        assertThat(err.toString())
                .contains("expected interceptor, processor, relay or postgres-ledger, got 'spring'")
                .doesNotContain("Usage:");
    }

    @org.junit.jupiter.api.Test
    @DisplayName("exits with 3 and one line when Kafka does not answer")
    void shouldReportAnUnreachableBroker() {
        StringWriter err = new StringWriter();
        int code = Demo.execute(
                new String[] {"sample", "processor", "--bootstrap-servers", "127.0.0.1:1"},
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertThat(code).isEqualTo(Demo.KAFKA_UNREACHABLE);
        assertThat(err.toString().strip())
                .startsWith("error: cannot reach Kafka within 15 s")
                .doesNotContain("\n");
    }
}
