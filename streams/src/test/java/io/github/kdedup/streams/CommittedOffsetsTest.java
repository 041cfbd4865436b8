package io.github.kdedup.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.testkafka.TestKafka;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The mechanism the processor relies on under exactly-once, on a real broker: a transaction that
 * commits input offsets the way Kafka Streams does ({@code sendOffsetsToTransaction}) is seen only once
 * it committed; an aborted one is never seen.
 */
@DisplayName("Committed offsets read through the Admin client")
class CommittedOffsetsTest {

    private String group;
    private TopicPartition partition;
    private CommittedOffsets offsets;
    private KafkaProducer<String, String> producer;

    @BeforeEach
    void setUp() {
        String topic = TestKafka.createTopic("in", 1);
        partition = new TopicPartition(topic, 0);
        group = TestKafka.uniqueName("app");
        offsets = new CommittedOffsets(
                Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrapServers())),
                group,
                Duration.ZERO,
                Duration.ofSeconds(10));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TestKafka.uniqueName("tx"));
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        producer.initTransactions();
    }

    @AfterEach
    void tearDown() {
        producer.close(Duration.ofSeconds(5));
        offsets.close();
    }

    private void sendOffsets(long next) {
        producer.send(new ProducerRecord<>(partition.topic(), "k", "output"));
        producer.sendOffsetsToTransaction(
                Map.of(partition, new OffsetAndMetadata(next)), new ConsumerGroupMetadata(group));
    }

    @Test
    @DisplayName("should see the offsets of a committed transaction, and never those of one still open or aborted")
    void shouldSeeOnlyCommittedTransactions() throws Exception {
        assertThat(offsets.readNow(Set.of(partition)))
                .as("nothing committed yet")
                .isEmpty();

        producer.beginTransaction();
        sendOffsets(5);
        assertThat(pollLatest(Duration.ofMillis(500)))
                .as("offsets inside an open transaction are not committed")
                .doesNotContainKey(partition);
        producer.commitTransaction();
        assertThat(awaitOffset(5)).isEqualTo(5L);

        producer.beginTransaction();
        sendOffsets(9);
        producer.abortTransaction();
        assertThat(pollLatest(Duration.ofMillis(500))).containsEntry(partition, 5L);
        assertThat(offsets.readNow(Set.of(partition))).containsEntry(partition, 5L);
    }

    @Test
    @DisplayName("should answer without blocking and pick up the refresh it started on a later call")
    void shouldRefreshInTheBackground() throws Exception {
        producer.beginTransaction();
        sendOffsets(3);
        producer.commitTransaction();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Map<TopicPartition, Long> seen = offsets.latest(Set.of(partition));
        while (!seen.containsKey(partition) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            seen = offsets.latest(Set.of(partition));
        }
        assertThat(seen).containsEntry(partition, 3L);
    }

    /** Reads in the background for a while and answers the last answer. */
    private Map<TopicPartition, Long> pollLatest(Duration during) throws InterruptedException {
        long until = System.nanoTime() + during.toNanos();
        Map<TopicPartition, Long> seen = offsets.latest(Set.of(partition));
        while (System.nanoTime() < until) {
            Thread.sleep(20);
            seen = offsets.latest(Set.of(partition));
        }
        return seen;
    }

    /** The commit marker is written right after commitTransaction returns, so the stable read may lag. */
    private long awaitOffset(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Long seen = null;
        while (System.nanoTime() < deadline) {
            seen = offsets.readNow(Set.of(partition)).get(partition);
            if (seen != null && seen == expected) {
                return seen;
            }
            Thread.sleep(20);
        }
        return seen == null ? -1 : seen;
    }
}
