package io.github.kdedup.examples.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.testkafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The transactional relay consumer")
class TransactionalRelayConsumerTest {

    private static final int EVENTS = 400;

    private static String createTopic(String prefix) throws Exception {
        String topic = prefix + "-" + UUID.randomUUID();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(2), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        return topic;
    }

    /** An input topic of {@value #EVENTS} events of which about 30 % were written twice. */
    private static String seededTopic() throws Exception {
        String topic = createTopic("orders");
        EventProducer.Produced produced =
                new EventProducer(TestKafka.bootstrapServers(), topic, 13).produce("evt", EVENTS, 0.3);
        assertThat(produced.copies()).isPositive();
        return topic;
    }

    private static String eventId(ConsumerRecord<String, String> record) {
        return new String(record.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8);
    }

    /**
     * Runs the relay on another thread while reading the output as a {@code read_committed} consumer;
     * stops it 1.5 s after every event arrived, so that a leaked copy would be seen. Returns how often
     * each event id was read, and checks each output value is the transform's.
     */
    private static Map<String, Integer> relayAndReadOutput(
            String input, Function<ConsumerRecord<String, String>, String> transform) throws Exception {
        String output = createTopic("relayed");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread relay = new Thread(
                () -> {
                    try {
                        TransactionalRelayConsumer.run(
                                TestKafka.bootstrapServers(),
                                "relay-" + UUID.randomUUID(),
                                input,
                                output,
                                "memory:",
                                transform,
                                stop::get);
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "relay");
        relay.start();

        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(props)) {
            reader.subscribe(List.of(output));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long allSeenAt = 0;
            while (System.nanoTime() < deadline && failure.get() == null) {
                for (ConsumerRecord<String, String> record : reader.poll(Duration.ofMillis(200))) {
                    assertThat(record.value()).startsWith("relayed:");
                    seen.merge(eventId(record), 1, Integer::sum);
                }
                if (seen.size() >= EVENTS && allSeenAt == 0) {
                    allSeenAt = System.nanoTime();
                }
                if (allSeenAt != 0 && System.nanoTime() - allSeenAt > 1_500_000_000L) {
                    break;
                }
            }
        } finally {
            stop.set(true);
            relay.join(30_000);
        }
        assertThat(failure.get()).as("the relay ended with an exception").isNull();
        assertThat(relay.isAlive()).as("the relay stops when told").isFalse();
        return seen;
    }

    @Test
    @DisplayName("relays each republished event exactly once to read_committed readers")
    void shouldRelayEachEventOnce() throws Exception {
        String input = seededTopic();

        Map<String, Integer> seen = relayAndReadOutput(input, record -> "relayed:" + record.value());

        assertThat(seen).hasSize(EVENTS);
        assertThat(seen.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
    }

    @Test
    @DisplayName("an aborted transaction loses no event: its claims are released and the poll is relayed again")
    void shouldLoseNothingWhenATransactionAborts() throws Exception {
        String input = seededTopic();
        Map<String, AtomicInteger> transforms = new ConcurrentHashMap<>();
        AtomicReference<String> failedOnce = new AtomicReference<>();
        AtomicInteger calls = new AtomicInteger();

        Map<String, Integer> seen = relayAndReadOutput(input, record -> {
            String id = eventId(record);
            transforms.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            // Fails in the middle of a poll, after earlier records of the same transaction were sent.
            if (calls.incrementAndGet() == 50 && failedOnce.compareAndSet(null, id)) {
                throw new IllegalStateException("the transform failed once, for " + id);
            }
            return "relayed:" + record.value();
        });

        assertThat(failedOnce.get()).as("the transform failed once").isNotNull();
        assertThat(seen).hasSize(EVENTS);
        assertThat(seen.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
        // Once aborted, once relayed: the aborted attempt's claim did not turn the retry into a DUPLICATE.
        assertThat(transforms.get(failedOnce.get())).hasValue(2);
    }
}
