package io.github.kdedup.examples.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.examples.demo.EventProducer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The duplicate audit")
class DuplicateAuditTest {

    private static EmbeddedKafka kafka;
    private static EventProducer.Produced produced;

    @BeforeAll
    static void seed() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("audited", Optional.of(2), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        produced = new EventProducer(kafka.bootstrapServers(), "audited", 3).produce("evt", 500, 0.2);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @DisplayName("finds every republished copy and tells producer retries from application republishes")
    void shouldFindEveryCopyWithItsCause() {
        DuplicateAudit.Result result =
                DuplicateAudit.audit(kafka.bootstrapServers(), "audited", Set.of(), 0, null, "event-id");

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
                DuplicateAudit.audit(kafka.bootstrapServers(), "audited", Set.of(0), 0, 10L, null);

        assertThat(result.recordsRead()).isEqualTo(10);
        assertThat(result.keySource()).isEqualTo("record key");
    }

    @Test
    @DisplayName("names the missing partition and the ones that exist")
    void shouldRejectAMissingPartition() {
        assertThatThrownBy(() -> DuplicateAudit.audit(kafka.bootstrapServers(), "audited", Set.of(7), 0, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("topic 'audited' has no partition 7; it has partitions [0, 1]");
    }
}
