package io.github.kdedup.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.testkafka.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The README's "Use it with a Kafka consumer" snippets, run as they are written there (between the
 * {@code // README:begin} and {@code // README:end} markers). Keep both in sync.
 */
@DisplayName("README examples")
class ReadmeExamplesTest {

    private final List<String> billed = new ArrayList<>();

    private void bill(String value) {
        billed.add(value);
    }

    @Test
    @DisplayName("the interceptor example drops a republished event")
    void shouldRunInterceptorExample() {
        String topic = TestKafka.createTopic("readme-orders", 1);
        String bootstrap = TestKafka.bootstrapServers();
        TestKafka.publish(topic, List.of("order-1", "order-2", "order-1"));
        // README:begin interceptor
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("group.id", "billing"); // also the dedup namespace
        props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        props.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        props.put("auto.offset.reset", "earliest");
        props.put("interceptor.classes", "io.github.kdedup.kafka.DedupConsumerInterceptor");
        props.put("kdedup.store", "memory:"); // or redis://host:6379, jdbc:postgresql://host/db
        props.put("kdedup.key", "header:event-id"); // the default
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            // README:end interceptor
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (billed.size() < 2 && System.nanoTime() < deadline) {
                // README:begin interceptor-loop
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    bill(record.value()); // the republished copy never gets here
                }
                consumer.commitSync(); // completes the claims of what was polled
                // README:end interceptor-loop
            }
            consumer.poll(Duration.ofMillis(500)).forEach(r -> bill(r.value()));
        }
        assertThat(billed).hasSize(2);
    }

    @Test
    @DisplayName("the record processor example handles each event once")
    void shouldRunProcessorExample() {
        String topic = TestKafka.createTopic("readme-payments", 1);
        TestKafka.publish(topic, List.of("pay-1", "pay-1", "pay-2"));
        Map<String, Object> consumerProps = TestKafka.consumerProperties(TestKafka.uniqueName("payments"));
        // The join below may read the three records and leave a fetch waiting at the end of the log; the
        // broker holds such a fetch up to fetch.max.wait.ms (500 ms by default), and no new fetch goes out
        // before it returns, which would use up the snippet's one 500 ms poll. 50 ms leaves it the time.
        consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps);
        consumer.subscribe(List.of(topic));
        List<String> seen = new ArrayList<>();
        try (consumer) {
            // The README's snippet polls once: join the group first (slow on a loaded machine), then read
            // from the start again, so that the one poll of the snippet finds the three records.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100));
            }
            assertThat(consumer.assignment())
                    .as("the consumer joined its group")
                    .isNotEmpty();
            consumer.seekToBeginning(consumer.assignment());
            // Resolve the reset offsets now (position() blocks for them): the snippet's one 500 ms poll
            // then only has to fetch, which a loaded machine otherwise may not finish in time.
            consumer.assignment().forEach(consumer::position);
            // README:begin processor
            DedupConfig config = DedupConfig.builder()
                    .store("memory:")
                    .namespace("payments")
                    .keyExtractor(KeyExtractor.header("event-id"))
                    .lease(Duration.ofMinutes(5))
                    .retention(Duration.ofDays(7))
                    .build();
            try (DedupProcessor dedup = DedupProcessor.open(config)) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                for (RecordOutcome outcome : dedup.process(records, record -> bill(record.value()))) {
                    if (outcome.duplicate()) {
                        // e.g. "DUPLICATE readme-payments-0@1 (REPUBLISHED of readme-payments-0@0)"
                        seen.add(outcome.toString());
                    }
                }
                consumer.commitSync();
            }
            // README:end processor
        }
        assertThat(billed).hasSize(2);
        assertThat(seen).singleElement().asString().contains("REPUBLISHED of " + topic + "-0@0");
    }
}
