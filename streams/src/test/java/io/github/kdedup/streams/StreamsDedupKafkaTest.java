package io.github.kdedup.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimState;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.memory.MemoryIdempotencyStore;
import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guarantees on a real broker and real stores: each event once on the output topic (read {@code
 * read_committed}) under {@code exactly_once_v2}, whether its copies were republished or redelivered,
 * across an aborted transaction and a rebalance between two instances.
 */
@DisplayName("Kafka Streams with kdedup on a real broker")
@SuppressWarnings("try") // applications and stores held open by try-with-resources are not otherwise referenced
class StreamsDedupKafkaTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String TABLE = "kdedup_streams_" + RUN;
    private static final Duration QUIET = Duration.ofSeconds(2);
    private static final Duration WITHIN = Duration.ofSeconds(60);

    /** A store under test: how the supplier gets it, and a handle for the test to inspect it. */
    record StoreUnderTest(
            String name,
            Function<DedupConfig, DedupValuesSupplier<String, String>> supplier,
            IdempotencyStore inspect) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<StoreUnderTest> stores() {
        MemoryIdempotencyStore memory = MemoryIdempotencyStore.create();
        String redis = TestServices.redisUri() + "?keyPrefix=ks" + RUN;
        String postgres = TestServices.postgresUrl() + "&kdedupTable=" + TABLE;
        return Stream.of(
                new StoreUnderTest("memory", c -> StreamsDedup.dropDuplicates(memory, c), memory),
                new StoreUnderTest(
                        "redis",
                        c -> StreamsDedup.dropDuplicates(
                                c.toBuilder().store(redis).build()),
                        IdempotencyStores.open(redis)),
                new StoreUnderTest(
                        "postgresql",
                        c -> StreamsDedup.dropDuplicates(
                                c.toBuilder().store(postgres).build()),
                        IdempotencyStores.open(postgres)));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try (Connection c = DriverManager.getConnection(TestServices.postgresUrl());
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
        }
        TestRedis.deleteKeys("ks" + RUN);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    @DisplayName(
            "should give each event once under exactly_once_v2, for republished copies and for the redelivery of the whole input")
    void shouldGiveEachEventOnceForRepublishedAndRedelivered(StoreUnderTest store) throws Exception {
        String input = TestKafka.createTopic("orders", 2);
        String output = TestKafka.createTopic("unique", 1);
        String app = TestKafka.uniqueName("app");
        List<String> ids = TestKafka.ids("e", 60);
        TestKafka.publish(input, ids);
        TestKafka.publish(input, ids.subList(0, 20)); // republished: same events, new offsets
        DedupConfig config = DedupConfig.builder().build();

        try (StreamsApp first = StreamsApp.start(
                StreamsApp.properties(app, StreamsConfig.EXACTLY_ONCE_V2),
                input,
                output,
                store.supplier().apply(config))) {
            assertThat(values(TestKafka.readCommitted(output, 60, QUIET, WITHIN)))
                    .containsExactlyInAnyOrderElementsOf(
                            ids.stream().map(id -> "value-" + id).toList());
            awaitCompleted(store.inspect(), app, ids);
        } finally {
            try {
                // the redelivery: the whole input is read again from offset 0 by a fresh instance
                resetOffsets(app, input);
            } catch (Exception e) {
                throw new AssertionError("could not reset the offsets of " + app, e);
            }
        }
        try (StreamsApp again = StreamsApp.start(
                StreamsApp.properties(app, StreamsConfig.EXACTLY_ONCE_V2),
                input,
                output,
                store.supplier().apply(config))) {
            awaitConsumedToEnd(app, input);
            assertThat(TestKafka.readCommitted(output, 60, QUIET, WITHIN)).hasSize(60);
        } finally {
            store.inspect().close();
        }
    }

    @Test
    @DisplayName("should drop republished copies under at_least_once too")
    void shouldDropRepublishedUnderAtLeastOnce() throws Exception {
        String input = TestKafka.createTopic("orders", 2);
        String output = TestKafka.createTopic("unique", 1);
        String app = TestKafka.uniqueName("app");
        List<String> ids = TestKafka.ids("l", 40);
        TestKafka.publish(input, ids);
        TestKafka.publish(input, ids.subList(0, 20));
        try (MemoryIdempotencyStore store = MemoryIdempotencyStore.create();
                StreamsApp ignored = StreamsApp.start(
                        StreamsApp.properties(app, StreamsConfig.AT_LEAST_ONCE),
                        input,
                        output,
                        StreamsDedup.dropDuplicates(store, DedupConfig.builder().build()))) {
            assertThat(values(TestKafka.readCommitted(output, 40, QUIET, WITHIN)))
                    .containsExactlyInAnyOrderElementsOf(
                            ids.stream().map(id -> "value-" + id).toList());
            awaitCompleted(store, app, ids);
        }
    }

    @Test
    @DisplayName(
            "should forward again a record whose transaction aborted: the redelivery is the same origin, reclaimed")
    void shouldForwardAgainAfterAbort() {
        String input = TestKafka.createTopic("orders", 1);
        String output = TestKafka.createTopic("unique", 1);
        String app = TestKafka.uniqueName("app");
        List<String> ids = TestKafka.ids("a", 30);
        TestKafka.publish(input, ids);
        Map<String, DuplicateCause> retried = new ConcurrentHashMap<>();
        DedupConfig config = DedupConfig.builder()
                .listener((record, result) ->
                        retried.put(result.request().key(), result.cause().orElseThrow()))
                .build();
        AtomicBoolean failed = new AtomicBoolean();
        try (MemoryIdempotencyStore store = MemoryIdempotencyStore.create();
                StreamsApp ignored = StreamsApp.start(
                        StreamsApp.properties(app, StreamsConfig.EXACTLY_ONCE_V2),
                        input,
                        output,
                        StreamsDedup.dropDuplicates(store, config),
                        s -> s.peek((k, v) -> {
                            // after kdedup forwarded it, the first attempt at a-17 fails: the transaction aborts
                            if (v.equals("value-a-17") && failed.compareAndSet(false, true)) {
                                throw new IllegalStateException("simulated failure after kdedup forwarded a-17");
                            }
                        }))) {
            List<ConsumerRecord<String, String>> out = TestKafka.readCommitted(output, 30, QUIET, WITHIN);

            assertThat(failed).isTrue();
            assertThat(values(out))
                    .containsExactlyInAnyOrderElementsOf(
                            ids.stream().map(id -> "value-" + id).toList());
            assertThat(retried).containsEntry("a-17", DuplicateCause.RETRIED);
        }
    }

    @Test
    @DisplayName(
            "should give each event once across a rebalance between two instances, and complete the claims of the task that moved")
    void shouldGiveEachEventOnceAcrossRebalance() throws Exception {
        String input = TestKafka.createTopic("orders", 4);
        String output = TestKafka.createTopic("unique", 1);
        String app = TestKafka.uniqueName("app");
        List<String> ids = TestKafka.ids("r", 150);
        try (MemoryIdempotencyStore store = MemoryIdempotencyStore.create()) {
            DedupConfig config = DedupConfig.builder().build();
            StreamsApp a = StreamsApp.start(
                    StreamsApp.properties(app, StreamsConfig.EXACTLY_ONCE_V2),
                    input,
                    output,
                    StreamsDedup.dropDuplicates(store, config));
            try {
                TestKafka.publish(input, ids.subList(0, 50));
                TestKafka.readCommitted(output, 50, Duration.ofMillis(200), WITHIN);
                try (StreamsApp b = StreamsApp.start(
                        StreamsApp.properties(app, StreamsConfig.EXACTLY_ONCE_V2),
                        input,
                        output,
                        StreamsDedup.dropDuplicates(store, config))) {
                    TestKafka.publish(input, ids.subList(50, 100));
                    TestKafka.publish(input, ids.subList(0, 30)); // republished while the group rebalances
                    a.close(); // a leaves: b takes every task over
                    a = null;
                    TestKafka.publish(input, ids.subList(100, 150));
                    TestKafka.publish(input, ids.subList(60, 90));
                    List<ConsumerRecord<String, String>> out = TestKafka.readCommitted(output, 150, QUIET, WITHIN);

                    assertThat(values(out))
                            .containsExactlyInAnyOrderElementsOf(
                                    ids.stream().map(id -> "value-" + id).toList());
                    awaitCompleted(store, app, ids);
                }
            } finally {
                if (a != null) {
                    a.close();
                }
            }
        }
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** Every event's claim is completed once its offset is committed (and seen committed). */
    private static void awaitCompleted(IdempotencyStore store, String namespace, List<String> ids)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> notCompleted = new ArrayList<>(ids);
        while (!notCompleted.isEmpty()) {
            notCompleted.removeIf(id -> store.find(namespace, id)
                    .map(r -> r.state() == ClaimState.COMPLETED)
                    .orElse(false));
            if (System.nanoTime() > deadline) {
                throw new AssertionError("claims not completed 30 s after their commit: " + notCompleted);
            }
            Thread.sleep(50);
        }
    }

    private static void resetOffsets(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrapServers()))) {
            Set<TopicPartition> partitions =
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .collect(Collectors.toSet());
            Map<TopicPartition, OffsetAndMetadata> zero =
                    partitions.stream().collect(Collectors.toMap(p -> p, p -> new OffsetAndMetadata(0)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    admin.alterConsumerGroupOffsets(group, zero).all().get();
                    return;
                } catch (java.util.concurrent.ExecutionException e) {
                    // the group is not empty yet: the closed member is still leaving
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    /** Waits until the application has committed the end of every input partition. */
    private static void awaitConsumedToEnd(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest =
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                            .collect(Collectors.toMap(
                                    p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = admin.listOffsets(latest).all().get().entrySet().stream()
                    .collect(Collectors.toMap(
                            Map.Entry::getKey, e -> e.getValue().offset()));
            long deadline = System.nanoTime() + WITHIN.toNanos();
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get();
                boolean done = ends.entrySet().stream()
                        .allMatch(e -> committed.get(e.getKey()) != null
                                && committed.get(e.getKey()).offset() >= e.getValue());
                if (done) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the application did not consume " + topic + " to its end " + ends + " in "
                            + WITHIN + "; committed: " + committed);
                }
                Thread.sleep(100);
            }
        }
    }
}
