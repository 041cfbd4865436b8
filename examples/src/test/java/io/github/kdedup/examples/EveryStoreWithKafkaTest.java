package io.github.kdedup.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.DuplicateCause;
import io.github.kdedup.Origin;
import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.examples.samples.InterceptorConsumer;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupProcessor;
import io.github.kdedup.kafka.RecordOutcome;
import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.RedisClient;

/**
 * The Kafka entry points with every store, not only memory: a producer republishes a share of its
 * events at new offsets, and a consumer group handles each event exactly once, with every dropped
 * copy reported as republished with the origin of the copy that was handled.
 */
@DisplayName("Kafka entry points with every store")
class EveryStoreWithKafkaTest {

    private static final int EVENTS = 300;
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String TABLE = "kdedup_every_" + RUN;

    @AfterAll
    static void cleanUp() throws Exception {
        try (Connection c = DriverManager.getConnection(TestServices.postgresUrl());
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
        }
        try (Connection c = DriverManager.getConnection(TestServices.mariadbUrl());
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
        }
        try (RedisClient redis = RedisClient.create(TestServices.redisUri())) {
            for (String key : redis.keys("kt" + RUN + ":*")) {
                redis.del(key);
            }
        }
    }

    static Stream<String> stores() {
        return Stream.of(
                "memory:",
                TestServices.redisUri() + "?keyPrefix=kt" + RUN,
                TestServices.postgresUrl() + "&kdedupTable=" + TABLE,
                TestServices.mariadbUrl() + "&kdedupTable=" + TABLE);
    }

    private static String seededTopic(List<Integer> copies) throws Exception {
        String topic = "orders-" + UUID.randomUUID();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(3), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        EventProducer.Produced produced =
                new EventProducer(TestKafka.bootstrapServers(), topic, 7).produce("evt", EVENTS, 0.1);
        assertThat(produced.copies()).isPositive();
        copies.add(produced.copies());
        return topic;
    }

    private static String eventId(ConsumerRecord<?, ?> record) {
        return new String(record.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    @DisplayName("the interceptor consumer handles each republished event once")
    void shouldHandleEachEventOnceWithTheInterceptor(String store) throws Exception {
        List<Integer> copies = new ArrayList<>();
        String topic = seededTopic(copies);
        Map<String, AtomicInteger> applied = new ConcurrentHashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long[] allSeenAt = {0};

        InterceptorConsumer.run(
                TestKafka.bootstrapServers(),
                "billing-" + UUID.randomUUID(),
                topic,
                store,
                record -> applied.computeIfAbsent(eventId(record), k -> new AtomicInteger())
                        .incrementAndGet(),
                () -> {
                    if (applied.size() >= EVENTS && allSeenAt[0] == 0) {
                        allSeenAt[0] = System.nanoTime();
                    }
                    // Keep polling a while after the last event, so that a leaked copy would be seen.
                    return System.nanoTime() > deadline
                            || allSeenAt[0] != 0 && System.nanoTime() - allSeenAt[0] > 1_500_000_000L;
                });

        assertThat(applied).hasSize(EVENTS);
        assertThat(applied.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    @DisplayName("the record processor drops every copy as republished, naming the handled copy's origin")
    void shouldReportRepublishedWithOriginalOrigin(String store) throws Exception {
        List<Integer> copies = new ArrayList<>();
        String topic = seededTopic(copies);
        Map<String, Origin> handledAt = new HashMap<>();
        Map<String, Integer> handled = new HashMap<>();
        List<RecordOutcome> duplicates = new ArrayList<>();

        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "audit-" + UUID.randomUUID());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        DedupConfig config = DedupConfig.builder()
                .store(store)
                .namespace("audit-" + UUID.randomUUID())
                .retention(Duration.ofMinutes(10))
                .build();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
                DedupProcessor dedup = DedupProcessor.open(config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int expectedRecords = EVENTS + copies.get(0);
            int seen = 0;
            while (seen < expectedRecords && System.nanoTime() < deadline) {
                for (RecordOutcome outcome : dedup.process(consumer.poll(Duration.ofMillis(200)), record -> {
                    handled.merge(eventId(record), 1, Integer::sum);
                    handledAt.put(eventId(record), new Origin(record.topic(), record.partition(), record.offset()));
                })) {
                    seen++;
                    if (outcome.duplicate()) {
                        duplicates.add(outcome);
                    }
                }
                consumer.commitSync();
            }
        }

        assertThat(handled).hasSize(EVENTS);
        assertThat(handled.values()).containsOnly(1);
        assertThat(duplicates).hasSize(copies.get(0));
        assertThat(duplicates).allSatisfy(d -> {
            assertThat(d.cause()).contains(DuplicateCause.REPUBLISHED);
            assertThat(d.original()).contains(handledAt.get(eventId(d.record())));
        });
    }
}
