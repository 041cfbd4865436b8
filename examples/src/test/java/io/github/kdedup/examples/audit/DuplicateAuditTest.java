package io.github.kdedup.examples.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kdedup.examples.Demo;
import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.testkafka.TestKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The duplicate audit")
class DuplicateAuditTest {

    private static EventProducer.Produced produced;

    @BeforeAll
    static void seed() throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("audited", Optional.of(2), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        produced = new EventProducer(TestKafka.bootstrapServers(), "audited", 3).produce("evt", 500, 0.2);
    }

    @Test
    @DisplayName("finds every republished copy and tells producer retries from application republishes")
    void shouldFindEveryCopyWithItsCause() {
        DuplicateAudit.Result result =
                DuplicateAudit.audit(TestKafka.bootstrapServers(), "audited", Set.of(), 0, null, "event-id");

        assertThat(result.recordsRead()).isEqualTo(produced.records());
        assertThat(result.distinctKeys()).isEqualTo(produced.events());
        assertThat(result.extraCopies()).isEqualTo(produced.copies());
        Map<DuplicateAudit.Cause, Long> byCause = result.byCause();
        assertThat(byCause.get(DuplicateAudit.Cause.PRODUCER_RETRY)).isEqualTo((produced.copies() + 1) / 2);
        assertThat(byCause.get(DuplicateAudit.Cause.REPUBLISHED)).isEqualTo(produced.copies() / 2);
        assertThat(byCause.get(DuplicateAudit.Cause.KEY_REUSED)).isZero();
        DuplicateAudit.DuplicateKey first = result.duplicates().get(0);
        assertThat(first.copies().get(1).offset())
                .isGreaterThan(first.copies().get(0).offset());

        StringWriter printed = new StringWriter();
        AuditCommand.print(result, new PrintWriter(printed, true), 2);
        System.out.println(printed);
        assertThat(printed.toString())
                .contains(produced.copies() + " extra copies")
                .contains("key " + first.key() + ": 2 copies");
    }

    @Test
    @DisplayName("reads only the offset range it is given")
    void shouldReadOnlyTheRange() {
        DuplicateAudit.Result result =
                DuplicateAudit.audit(TestKafka.bootstrapServers(), "audited", Set.of(0), 0, 10L, null);

        assertThat(result.recordsRead()).isEqualTo(10);
        assertThat(result.keySource()).isEqualTo("record key");
    }

    @Test
    @DisplayName("names the missing partition and the ones that exist")
    void shouldRejectAMissingPartition() {
        assertThatThrownBy(
                        () -> DuplicateAudit.audit(TestKafka.bootstrapServers(), "audited", Set.of(7), 0, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("topic 'audited' has no partition 7; it has partitions [0, 1]");
    }

    private static String[] auditArgs(String topic, String... more) {
        List<String> args = new java.util.ArrayList<>(
                List.of("audit", "--bootstrap-servers", TestKafka.bootstrapServers(), "--topic", topic));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private record Ran(int code, String out, String err) {}

    private static Ran run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Demo.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        System.out.println(out + "" + err);
        return new Ran(code, out.toString(), err.toString());
    }

    @Test
    @DisplayName("reads the key at a JSON pointer, like kdedup.key, and finds the same copies as the header")
    void shouldReadTheKeyAtAJsonPointer() {
        Ran header = run(auditArgs("audited", "--format", "json"));
        Ran pointer = run(auditArgs("audited", "--key", "json:/eventId", "--format", "json"));

        assertThat(pointer.code()).isZero();
        assertThat(pointer.out()).contains("\"key\" : \"json:/eventId\"");
        assertThat(pointer.out().replace("json:/eventId", "header event-id")).isEqualTo(header.out());
    }

    @Test
    @DisplayName("writes one JSON document with the totals, the causes and every copy of the keys shown")
    void shouldWriteJson() throws Exception {
        Ran ran = run(auditArgs("audited", "--format", "json", "--max-keys", "3"));

        assertThat(ran.code()).isZero();
        JsonNode json = new ObjectMapper().readTree(ran.out());
        assertThat(json.get("topic").asText()).isEqualTo("audited");
        assertThat(json.get("recordsRead").asLong()).isEqualTo(produced.records());
        assertThat(json.get("extraCopies").asLong()).isEqualTo(produced.copies());
        assertThat(json.get("extraCopiesByCause").get("producer-retry").asLong()
                        + json.get("extraCopiesByCause").get("republished").asLong())
                .isEqualTo(produced.copies());
        assertThat(json.get("keys")).hasSize(3);
        assertThat(json.get("keys").get(0).get("copies").get(1).get("cause").asText())
                .isIn("producer-retry", "republished");
        assertThat(json.get("keysOmitted").asLong())
                .isEqualTo(json.get("duplicatedKeys").asLong() - 3);
    }

    @Test
    @DisplayName("shows progress with an ETA on standard error when asked, never on standard output")
    void shouldShowProgress() {
        Ran ran = run(auditArgs("audited", "--progress", "--format", "json"));

        assertThat(ran.code()).isZero();
        assertThat(ran.err())
                .contains("[####################] 100%  " + String.format("%,d", produced.records()) + " of ")
                .contains("done in");
        assertThat(ran.out()).doesNotContain("####").startsWith("{");
    }

    @Test
    @DisplayName("keeps the columns aligned when the topic name is long")
    void shouldAlignColumnsWithALongTopicName() throws Exception {
        String topic = "audited-with-a-topic-name-long-enough-to-push-the-columns";
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(12), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        new EventProducer(TestKafka.bootstrapServers(), topic, 5).produce("evt", 300, 0.3);

        Ran ran = run(auditArgs(topic, "--max-keys", "20"));

        assertThat(ran.code()).isZero();
        List<String> copyLines =
                ran.out().lines().filter(l -> l.startsWith("    " + topic)).toList();
        assertThat(copyLines).hasSizeGreaterThan(20);
        assertThat(copyLines.stream().map(l -> l.indexOf(" 20")).distinct())
                .as("the timestamp column starts at one position")
                .hasSize(1);
        assertThat(copyLines.stream().map(l -> l.indexOf("CreateTime")).distinct())
                .hasSize(1);
    }

    @Test
    @DisplayName("rejects an unknown key spec in one line, naming the accepted ones")
    void shouldRejectABadKey() {
        Ran ran = run(auditArgs("audited", "--key", "xpath://id"));

        assertThat(ran.code()).isEqualTo(Demo.USAGE);
        assertThat(ran.err().strip())
                .startsWith("error: --key: 'xpath://id' is not a key extractor")
                .contains("json:/pointer")
                .doesNotContain("\n");
    }
}
