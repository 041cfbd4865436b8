package io.github.kdedup.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimState;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.KeyExtractor;
import io.github.kdedup.memory.MemoryIdempotencyStore;
import io.github.kdedup.tck.CountingStore;
import io.github.kdedup.testkafka.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link StreamsDedup#claimAtPoll}: the main consumer's interceptor claims each poll in one store call,
 * and the results on the output topic (read {@code read_committed}) are those of the per-record path.
 * On the in-JVM broker and the real memory store, counted by a wrapper that only counts.
 */
@DisplayName("Kafka Streams with kdedup claiming at poll time")
@SuppressWarnings("try") // applications held open by try-with-resources are not otherwise referenced
class StreamsPollClaimsKafkaTest {

    private static final Duration QUIET = Duration.ofSeconds(2);
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE})
    @DisplayName("should claim each poll in one store call and still give each event once")
    void shouldClaimEachPollInOneCall(String guarantee) throws Exception {
        String input = TestKafka.createTopic("orders", 2);
        String output = TestKafka.createTopic("unique", 1);
        String app = TestKafka.uniqueName("app");
        List<String> warmUp = TestKafka.ids("w", 10);
        List<String> ids = TestKafka.ids("p", 300);
        Properties props = StreamsApp.properties(app, guarantee);
        // a user's interceptor stays, ours comes after it
        props.put(
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG),
                CountingPolls.class.getName());
        StreamsDedup.claimAtPoll(props);
        try (CountingStore store = new CountingStore(MemoryIdempotencyStore.create());
                StreamsApp ignored = StreamsApp.start(
                        props,
                        input,
                        output,
                        StreamsDedup.dropDuplicates(store, DedupConfig.builder().build()))) {
            // the first records are claimed by the processor, which tells the interceptor their topic
            TestKafka.publish(input, warmUp);
            TestKafka.readCommitted(output, 10, Duration.ofMillis(200), WITHIN);
            int callsBefore = store.claimCalls();
            int keysBefore = store.claimedKeys();
            CountingPolls.reset(app);

            TestKafka.publish(input, ids);
            TestKafka.publish(input, ids.subList(0, 100)); // republished copies
            List<ConsumerRecord<String, String>> out = TestKafka.readCommitted(output, 310, QUIET, WITHIN);

            List<String> expected = new ArrayList<>();
            warmUp.forEach(id -> expected.add("value-" + id));
            ids.forEach(id -> expected.add("value-" + id));
            assertThat(out.stream().map(ConsumerRecord::value).toList()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(store.claimedKeys() - keysBefore)
                    .as("every record claimed once")
                    .isEqualTo(400);
            assertThat(store.claimCalls() - callsBefore)
                    .as("claim calls, one per poll that returned records (%d records)", 400)
                    .isEqualTo(CountingPolls.nonEmptyPolls(app))
                    .isLessThan(400 / 4);
            awaitCompleted(store, app, ids);
        }
    }

    @Test
    @DisplayName("should forward again a record whose transaction aborted: the next poll reclaims it")
    void shouldForwardAgainAfterAbort() {
        String input = TestKafka.createTopic("orders", 1);
        String output = TestKafka.createTopic("unique", 1);
        String app = TestKafka.uniqueName("app");
        List<String> ids = TestKafka.ids("a", 200);
        Map<String, DuplicateCause> retried = new ConcurrentHashMap<>();
        DedupConfig config = DedupConfig.builder()
                .listener((record, result) ->
                        retried.put(result.request().key(), result.cause().orElseThrow()))
                .build();
        AtomicBoolean failed = new AtomicBoolean();
        try (CountingStore store = new CountingStore(MemoryIdempotencyStore.create());
                StreamsApp ignored = StreamsApp.start(
                        StreamsDedup.claimAtPoll(StreamsApp.properties(app, StreamsConfig.EXACTLY_ONCE_V2)),
                        input,
                        output,
                        StreamsDedup.dropDuplicates(store, config),
                        s -> s.peek((k, v) -> {
                            // after kdedup forwarded it, the first attempt at a-170 fails: the transaction aborts
                            if (v.equals("value-a-170") && failed.compareAndSet(false, true)) {
                                throw new IllegalStateException("simulated failure after kdedup forwarded a-170");
                            }
                        }))) {
            TestKafka.publish(input, ids.subList(0, 10));
            TestKafka.readCommitted(output, 10, Duration.ofMillis(200), WITHIN);
            TestKafka.publish(input, ids.subList(10, 200));
            List<ConsumerRecord<String, String>> out = TestKafka.readCommitted(output, 200, QUIET, WITHIN);

            assertThat(failed).isTrue();
            assertThat(out.stream().map(ConsumerRecord::value).toList())
                    .containsExactlyInAnyOrderElementsOf(
                            ids.stream().map(id -> "value-" + id).toList());
            assertThat(retried).containsEntry("a-170", DuplicateCause.RETRIED);
        }
    }

    @Test
    @DisplayName(
            "should stop claiming at poll time when a step before changes the key, give back those claims, and give each event once")
    void shouldFallBackWhenTheKeyChangesBeforeTheStep() throws Exception {
        String input = TestKafka.createTopic("orders", 1);
        String output = TestKafka.createTopic("unique", 1);
        String app = TestKafka.uniqueName("app");
        List<String> ids = TestKafka.ids("k", 100);
        DedupConfig config =
                DedupConfig.builder().keyExtractor(KeyExtractor.recordKey()).build();
        try (MemoryIdempotencyStore store = MemoryIdempotencyStore.create()) {
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                    .selectKey((k, v) -> "changed-" + k) // what is polled is not what the step sees
                    .processValues(StreamsDedup.<String, String>dropDuplicates(store, config))
                    .to(output, Produced.with(Serdes.String(), Serdes.String()));
            try (KafkaStreams streams = new KafkaStreams(
                    builder.build(),
                    StreamsDedup.claimAtPoll(StreamsApp.properties(app, StreamsConfig.EXACTLY_ONCE_V2)))) {
                streams.start();
                TestKafka.publish(input, ids.subList(0, 10));
                TestKafka.readCommitted(output, 10, Duration.ofMillis(200), WITHIN);
                TestKafka.publish(input, ids.subList(10, 100));
                TestKafka.publish(input, ids.subList(0, 50));
                List<ConsumerRecord<String, String>> out = TestKafka.readCommitted(output, 100, QUIET, WITHIN);

                assertThat(out.stream().map(ConsumerRecord::value).toList())
                        .containsExactlyInAnyOrderElementsOf(
                                ids.stream().map(id -> "value-" + id).toList());
                assertThat(ids.stream().filter(id -> store.find(app, id).isPresent()))
                        .as("claims under the polled keys, given back")
                        .isEmpty();
                awaitCompleted(
                        store, app, ids.stream().map(id -> "changed-" + id).toList());
            }
        }
    }

    private static void awaitCompleted(IdempotencyStore store, String namespace, List<String> keys)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> notCompleted = new ArrayList<>(keys);
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

    /** Counts the polls of the main consumer that returned records, per application. */
    public static final class CountingPolls implements ConsumerInterceptor<byte[], byte[]> {
        private static final Map<String, AtomicInteger> POLLS = new ConcurrentHashMap<>();
        private String group = "";

        static void reset(String group) {
            POLLS.computeIfAbsent(group, g -> new AtomicInteger()).set(0);
        }

        static int nonEmptyPolls(String group) {
            return POLLS.computeIfAbsent(group, g -> new AtomicInteger()).get();
        }

        @Override
        public void configure(Map<String, ?> configs) {
            group = String.valueOf(configs.get(ConsumerConfig.GROUP_ID_CONFIG));
        }

        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            if (!records.isEmpty()) {
                POLLS.computeIfAbsent(group, g -> new AtomicInteger()).incrementAndGet();
            }
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

        @Override
        public void close() {}
    }
}
