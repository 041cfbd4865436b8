package io.github.kdedup.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import io.github.kdedup.kafka.DedupPolicyException;
import io.github.kdedup.kafka.DedupProcessor;
import io.github.kdedup.kafka.MicrometerDedupMetrics;
import io.github.kdedup.kafka.MissingKeyPolicy;
import io.github.kdedup.kafka.PollAbortedError;
import io.github.kdedup.kafka.RecordOutcome;
import io.github.kdedup.kafka.StoreUnavailablePolicy;
import io.github.kdedup.testkafka.TestKafka;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hostile records through the Kafka entry points, on the in-process broker and the memory store:
 * each policy does what it promises and no record is lost. Every test writes a hostile record, then
 * a well-keyed sentinel; seeing the sentinel means the hostile record was decided.
 */
@DisplayName("Hostile records")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileRecordsTest {

    private static final int MIB = 1024 * 1024;
    private static final Duration WITHIN = Duration.ofSeconds(30);

    private Admin admin;
    private KafkaProducer<byte[], byte[]> producer;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** The records whose key is missing or unreadable, with what a failure must say about each. */
    enum Hostile {
        MISSING_HEADER("header:event-id", "it has no key"),
        EMPTY_HEADER("header:event-id", "it has no key"),
        HEADER_NOT_UTF8("header:event-id", "header 'event-id' is not valid UTF-8"),
        KEY_OF_ONE_MIB("header:event-id", "key is 1048576 UTF-8 bytes long; the limit is 512"),
        VALUE_NOT_JSON("json:/id", "the value is not JSON"),
        JSON_TOMBSTONE("json:/id", "the value is null (a tombstone)");

        final String keySpec;
        final String problem;

        Hostile(String keySpec, String problem) {
            this.keySpec = keySpec;
            this.problem = problem;
        }

        ProducerRecord<byte[], byte[]> record(String topic) {
            RecordHeaders headers = new RecordHeaders();
            byte[] value = "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
            switch (this) {
                case MISSING_HEADER -> {}
                case EMPTY_HEADER -> headers.add("event-id", new byte[0]);
                case HEADER_NOT_UTF8 -> headers.add("event-id", new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF});
                case KEY_OF_ONE_MIB -> headers.add("event-id", oneMibKey('h'));
                case VALUE_NOT_JSON -> value = "not json {".getBytes(StandardCharsets.UTF_8);
                case JSON_TOMBSTONE -> value = null;
            }
            headers.add("n", "0".getBytes(StandardCharsets.UTF_8));
            return new ProducerRecord<byte[], byte[]>(topic, 0, (byte[]) null, value, headers);
        }
    }

    @BeforeAll
    void start() {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()));
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestKafka.bootstrapServers(),
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        8 * MIB,
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        Metrics.addRegistry(registry);
    }

    @AfterAll
    void stop() {
        Metrics.removeRegistry(registry);
        if (producer != null) {
            producer.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Hostile.class)
    @DisplayName("on-missing-key=process delivers the hostile record without dedup and counts it")
    void shouldDeliverHostileRecordsWithPolicyProcess(Hostile hostile) throws Exception {
        String topic = topic();
        send(hostile.record(topic), sentinel(topic, 1));
        String group = group();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(topic, group, hostile.keySpec, "process")) {
            assertThat(numbers(pollUntilSentinel(consumer, 1))).containsExactly(0, 1);
        }
        assertThat(missingKeys(group, "process")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Hostile.class)
    @DisplayName("on-missing-key=skip drops the hostile record, delivers the rest and counts it")
    void shouldSkipAndCountHostileRecordsWithPolicySkip(Hostile hostile) throws Exception {
        String topic = topic();
        send(hostile.record(topic), sentinel(topic, 1));
        String group = group();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(topic, group, hostile.keySpec, "skip")) {
            assertThat(numbers(pollUntilSentinel(consumer, 1))).containsExactly(1);
        }
        assertThat(missingKeys(group, "skip")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Hostile.class)
    @DisplayName("on-missing-key=fail aborts the poll with the reason, again after a seek, and loses nothing")
    void shouldFailThePollAndKeepTheRecordWithPolicyFail(Hostile hostile) throws Exception {
        String topic = topic();
        send(hostile.record(topic), sentinel(topic, 1));
        String group = group();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(topic, group, hostile.keySpec, "fail")) {
            assertThat(pollUntilAborted(consumer))
                    .hasMessageContaining("none was delivered")
                    .hasMessageContaining("record " + topic + "-0@0 cannot be deduplicated")
                    .hasMessageContaining(hostile.problem)
                    .hasMessageContaining("kdedup.on-missing-key=fail");
            consumer.seek(new TopicPartition(topic, 0), 0);
            assertThat(pollUntilAborted(consumer)).hasMessageContaining(hostile.problem);
            // closed without a commit
        }
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(topic, group, hostile.keySpec, "process")) {
            assertThat(numbers(pollUntilSentinel(consumer, 1))).containsExactly(0, 1);
        }
    }

    @Test
    @DisplayName("a 1 MiB key is hashed with kdedup.key.hash-long-keys=true, so its republished copy is dropped")
    void shouldDeduplicateOneMibKeysWhenHashed() throws Exception {
        String topic = topic();
        ProducerRecord<byte[], byte[]> first = Hostile.KEY_OF_ONE_MIB.record(topic);
        ProducerRecord<byte[], byte[]> copy =
                new ProducerRecord<byte[], byte[]>(topic, 0, (byte[]) null, first.value(), headers(1));
        copy.headers().add("event-id", oneMibKey('h'));
        send(first, copy, sentinel(topic, 2));

        String hashed = group();
        try (KafkaConsumer<byte[], byte[]> consumer =
                consumer(topic, hashed, "header:event-id", "fail", DedupConfig.HASH_LONG_KEYS, "true")) {
            assertThat(numbers(pollUntilSentinel(consumer, 2))).containsExactly(0, 2);
        }
        assertThat(registry.get("kdedup.duplicates")
                        .tag("namespace", hashed)
                        .tag("cause", "republished")
                        .counter()
                        .count())
                .isEqualTo(1);

        // Not hashed (the default): both copies are delivered without dedup (on-missing-key=process).
        String plain = group();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(topic, plain, "header:event-id", "process")) {
            assertThat(numbers(pollUntilSentinel(consumer, 2))).containsExactly(0, 1, 2);
        }
        assertThat(missingKeys(plain, "process")).isEqualTo(2);
    }

    @Test
    @DisplayName("the record processor with on-missing-key=fail runs no handler and the record comes again")
    void shouldRefuseAHostileRecordInTheProcessorAndKeepIt() throws Exception {
        String topic = topic();
        send(Hostile.HEADER_NOT_UTF8.record(topic), sentinel(topic, 1));
        List<Integer> handled = new ArrayList<>();
        DedupConfig strict = DedupConfig.builder()
                .store("memory:")
                .namespace(group())
                .onMissingKey(MissingKeyPolicy.FAIL)
                .build();
        try (KafkaConsumer<byte[], byte[]> consumer = plainConsumer(topic, group());
                DedupProcessor processor = DedupProcessor.open(strict)) {
            List<ConsumerRecord<byte[], byte[]>> polled = pollUntilSentinel(consumer, 1);
            assertThatThrownBy(() -> processor.process(polled, r -> handled.add(number(r))))
                    .isInstanceOf(DedupPolicyException.class)
                    .hasMessageContaining("header 'event-id' is not valid UTF-8");
            assertThat(handled).isEmpty();
            consumer.seek(new TopicPartition(topic, 0), 0);
            assertThat(numbers(pollUntilSentinel(consumer, 1))).containsExactly(0, 1);
        }
    }

    @Test
    @DisplayName("a closed store fails the processor before any handler; after a seek a new store handles it all")
    void shouldFailOnAClosedStoreAndLoseNothing() throws Exception {
        String topic = topic();
        send(keyed(topic, 0, "a-" + UUID.randomUUID()), keyed(topic, 1, "b-" + UUID.randomUUID()));
        String namespace = group();
        DedupConfig config = DedupConfig.builder().namespace(namespace).build();
        List<Integer> handled = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = plainConsumer(topic, group())) {
            IdempotencyStore closed = IdempotencyStores.open("memory:");
            closed.close();
            DedupProcessor broken = DedupProcessor.create(closed, config);
            List<ConsumerRecord<byte[], byte[]>> polled = pollUntilSentinel(consumer, 1);
            assertThatThrownBy(() -> broken.process(polled, r -> handled.add(number(r))))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("the store is closed");
            assertThat(handled).isEmpty();

            // pass-through processes without dedup and counts it
            DedupProcessor passing = DedupProcessor.create(
                    closed,
                    config.toBuilder()
                            .onStoreUnavailable(StoreUnavailablePolicy.PASS_THROUGH)
                            .metrics(MicrometerDedupMetrics.of(registry))
                            .build());
            assertThat(passing.process(polled, r -> handled.add(number(r)))).allMatch(RecordOutcome::processed);
            assertThat(handled).containsExactly(0, 1);
            assertThat(registry.get("kdedup.pass.through")
                            .tag("namespace", namespace)
                            .counter()
                            .count())
                    .isEqualTo(2);

            handled.clear();
            consumer.seek(new TopicPartition(topic, 0), 0);
            try (IdempotencyStore fresh = IdempotencyStores.open("memory:")) {
                DedupProcessor working = DedupProcessor.create(fresh, config);
                assertThat(working.process(pollUntilSentinel(consumer, 1), r -> handled.add(number(r))))
                        .allMatch(RecordOutcome::processed);
            }
            assertThat(handled).containsExactly(0, 1);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static byte[] oneMibKey(char fill) {
        byte[] key = new byte[MIB];
        Arrays.fill(key, (byte) fill);
        return key;
    }

    private static RecordHeaders headers(int n) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("n", Integer.toString(n).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private static ProducerRecord<byte[], byte[]> keyed(String topic, int n, String key) {
        RecordHeaders headers = headers(n);
        headers.add("event-id", key.getBytes(StandardCharsets.UTF_8));
        String value = "{\"id\":\"" + key + "\"}";
        return new ProducerRecord<byte[], byte[]>(
                topic, 0, (byte[]) null, value.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static ProducerRecord<byte[], byte[]> sentinel(String topic, int n) {
        return keyed(topic, n, "sentinel-" + UUID.randomUUID());
    }

    private String topic() throws Exception {
        String topic = "hostile-" + UUID.randomUUID();
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                        .configs(Map.of("max.message.bytes", Integer.toString(8 * MIB)))))
                .all()
                .get();
        return topic;
    }

    private static String group() {
        return "hostile-" + UUID.randomUUID();
    }

    @SafeVarargs
    private void send(ProducerRecord<byte[], byte[]>... records) throws Exception {
        for (ProducerRecord<byte[], byte[]> record : records) {
            producer.send(record).get();
        }
    }

    private KafkaConsumer<byte[], byte[]> plainConsumer(String topic, String group) {
        return consumer(topic, group, Map.of());
    }

    private KafkaConsumer<byte[], byte[]> consumer(
            String topic, String group, String keySpec, String onMissingKey, String... more) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
        p.put(DedupConfig.STORE, "memory:");
        p.put(DedupConfig.KEY, keySpec);
        p.put(DedupConfig.ON_MISSING_KEY, onMissingKey);
        p.put(DedupConfig.METRICS, "global");
        for (int i = 0; i < more.length; i += 2) {
            p.put(more[i], more[i + 1]);
        }
        return consumer(topic, group, p);
    }

    private KafkaConsumer<byte[], byte[]> consumer(String topic, String group, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(extra);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // assign, not subscribe: no group rebalance to wait for; group.id still names the namespace.
        consumer.assign(List.of(new TopicPartition(topic, 0)));
        return consumer;
    }

    /** Polls until the record numbered {@code sentinel} arrives; returns everything delivered. */
    private static List<ConsumerRecord<byte[], byte[]>> pollUntilSentinel(
            KafkaConsumer<byte[], byte[]> consumer, int sentinel) {
        return pollUntil(consumer, r -> number(r) == sentinel);
    }

    private static List<ConsumerRecord<byte[], byte[]>> pollUntil(
            KafkaConsumer<byte[], byte[]> consumer, Predicate<ConsumerRecord<byte[], byte[]>> last) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                all.add(r);
                if (last.test(r)) {
                    return all;
                }
            }
        }
        throw new AssertionError("the last record did not arrive within " + WITHIN + "; got " + numbers(all));
    }

    private static PollAbortedError pollUntilAborted(KafkaConsumer<byte[], byte[]> consumer) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    List<Integer> delivered = new ArrayList<>();
                    records.forEach(r -> delivered.add(number(r)));
                    throw new AssertionError("the poll delivered " + delivered + " instead of failing");
                }
            } catch (PollAbortedError e) {
                return e;
            }
        }
        throw new AssertionError("the poll did not fail within " + WITHIN);
    }

    private static int number(ConsumerRecord<?, ?> record) {
        return Integer.parseInt(new String(record.headers().lastHeader("n").value(), StandardCharsets.UTF_8));
    }

    private static List<Integer> numbers(List<? extends ConsumerRecord<?, ?>> records) {
        return records.stream().map(HostileRecordsTest::number).toList();
    }

    private double missingKeys(String namespace, String policy) {
        return registry.get("kdedup.keys.missing")
                .tag("namespace", namespace)
                .tag("policy", policy)
                .counter()
                .count();
    }
}
