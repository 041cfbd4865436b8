package io.github.kdedup.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimState;
import io.github.kdedup.kafka.Decision;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupEngine;
import io.github.kdedup.kafka.DedupRebalanceListener;
import io.github.kdedup.kafka.PendingClaims;
import io.github.kdedup.memory.MemoryIdempotencyStore;
import io.github.kdedup.testkafka.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("core's DedupRebalanceListener on a plain KafkaConsumer")
class DedupRebalanceListenerTest {

    @Test
    @DisplayName("at revocation completes the claims below the committed offset and releases the others")
    void shouldSettleRevokedPartitionsByTheCommitRule() {
        String topic = TestKafka.createTopic("plain-rebalance", 1);
        TestKafka.publish(topic, IntStream.range(0, 10).mapToObj(i -> "p" + i).toList());
        String group = "g-" + UUID.randomUUID().toString().substring(0, 8);
        try (MemoryIdempotencyStore store = MemoryIdempotencyStore.create();
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                TestKafka.bootstrapServers(),
                                ConsumerConfig.GROUP_ID_CONFIG,
                                group,
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                "earliest",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false),
                        new StringDeserializer(),
                        new StringDeserializer())) {
            DedupEngine engine = DedupEngine.create(
                    store, DedupConfig.builder().namespace(group).build(), DedupEngine.newOwner("plain", "plain"));
            PendingClaims pending = new PendingClaims(engine);
            consumer.subscribe(List.of(topic), new DedupRebalanceListener(pending, null));
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen < 10 && System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                Map<TopicPartition, List<Decision<String, String>>> decisions = engine.decide(records);
                pending.track(decisions);
                seen += records.count();
            }
            assertThat(seen).isEqualTo(10);
            // the first five records were processed and their offsets committed; the rest were not
            Map<TopicPartition, OffsetAndMetadata> offsets =
                    Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(5));
            consumer.commitSync(offsets);
            pending.committed(offsets);
            consumer.unsubscribe(); // revokes the partition: the listener settles its claims

            assertThat(pending.size()).isZero();
            assertThat(IntStream.range(0, 5).mapToObj(i -> "p" + i))
                    .allMatch(id -> store.find(group, id).orElseThrow().state() == ClaimState.COMPLETED);
            assertThat(IntStream.range(5, 10).mapToObj(i -> "p" + i))
                    .allMatch(id -> store.find(group, id).isEmpty());
        }
    }
}
