package io.github.kdedup.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import io.github.kdedup.tck.RedisServerProcess;
import io.github.kdedup.tck.TcpProxy;
import io.github.kdedup.testkafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 1: the store is cut off while the last poll is committed, and is back before the
 * consumer closes. Kafka has the offsets, so the claims of that poll must end COMPLETED (or, if the
 * store were still down at close, stay IN_PROGRESS until their lease ends), never be released: a
 * republished copy of any of those events must not reach the handler.
 *
 * <p>The consumer is written as the README says: manual commits, the interceptor switched on by
 * properties. The store is a throwaway Redis behind a {@link TcpProxy}; the broker is the real one,
 * in this JVM. Redis has one pooled connection, so that the connection the cut broke is the one the
 * failed completion discarded, and the store is reachable again when the consumer closes.
 */
@DisplayName("A store cut off while the last poll is committed")
class StoreBlipAtCommitTest {

    private static final int EVENTS = 200;
    private static final int MAX_POLL_RECORDS = 50;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static RedisServerProcess redis;
    private static TcpProxy proxy;

    @BeforeAll
    static void start() {
        redis = RedisServerProcess.start();
        proxy = TcpProxy.start("127.0.0.1", redis.port());
    }

    @AfterAll
    static void stop() {
        try {
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    @DisplayName("with group.protocol=classic, republished copies of the events whose commit the store missed "
            + "reach the handler zero times")
    void shouldNotReprocessCommittedEventsWithClassicProtocol() throws Exception {
        assertNoReprocessing("classic");
    }

    @Test
    @DisplayName("with group.protocol=consumer, republished copies of the events whose commit the store missed "
            + "reach the handler zero times")
    void shouldNotReprocessCommittedEventsWithConsumerProtocol() throws Exception {
        assertNoReprocessing("consumer");
    }

    private void assertNoReprocessing(String protocol) throws Exception {
        String topic = "blip-" + protocol + "-" + UUID.randomUUID();
        String group = "blip-" + UUID.randomUUID();
        createTopic(topic);
        publish(topic);

        // First run: handle every event; the store is cut just before the last poll's commit.
        List<String> lastPoll = new ArrayList<>();
        int handled = 0;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (KafkaConsumer<String, String> consumer = consumer(group, protocol)) {
            consumer.subscribe(List.of(topic));
            while (handled < EVENTS) {
                assertThat(System.nanoTime())
                        .as("handled %d of %d in time", handled, EVENTS)
                        .isLessThan(deadline);
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                lastPoll.clear();
                for (ConsumerRecord<String, String> record : records) {
                    handled++;
                    lastPoll.add(CrashConsumerMain.eventId(record));
                }
                if (handled == EVENTS) {
                    proxy.cut();
                }
                consumer.commitSync(); // Kafka takes the offsets; onCommit cannot reach the store
            }
            assertThat(consumer.committed(consumer.assignment()).values())
                    .as("offsets committed in Kafka")
                    .allSatisfy(offset -> assertThat(offset).isNotNull());
            proxy.restore();
        } // close(): the store answers again
        assertThat(lastPoll)
                .as("events of the poll whose completion the store missed")
                .isNotEmpty();

        // Second run: the same events republished to the same group.
        publish(topic);
        List<String> handledAgain = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(group, protocol)) {
            consumer.subscribe(List.of(topic));
            deadline = System.nanoTime() + TIMEOUT.toNanos();
            // The position moves past dropped copies too, so the committed offset reaches the end.
            while (committed(consumer, topic) < 2L * EVENTS) {
                assertThat(System.nanoTime())
                        .as("read the republished copies in time")
                        .isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(r -> handledAgain.add(CrashConsumerMain.eventId(r)));
                consumer.commitSync();
            }
        }
        assertThat(handledAgain)
                .as("republished events handled again (the last poll before the cut was %s)", lastPoll)
                .isEmpty();
    }

    private static KafkaConsumer<String, String> consumer(String group, String protocol) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(MAX_POLL_RECORDS));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
        props.put("kdedup.store", "redis://127.0.0.1:" + proxy.port() + "?poolSize=1&timeout=PT1S");
        return new KafkaConsumer<>(props);
    }

    private static void createTopic(String topic) throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.of((short) 1))))
                    .all()
                    .get();
        }
    }

    /** Publishes events {@code evt-0} to {@code evt-199}, each with its id in the event-id header. */
    private static void publish(String topic) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < EVENTS; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, "k" + i, "v" + i);
                record.headers().add(EventProducer.EVENT_ID_HEADER, ("evt-" + i).getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }

    private static long committed(KafkaConsumer<?, ?> consumer, String topic) {
        OffsetAndMetadata offset =
                consumer.committed(Set.of(new TopicPartition(topic, 0))).get(new TopicPartition(topic, 0));
        return offset == null ? 0 : offset.offset();
    }
}
