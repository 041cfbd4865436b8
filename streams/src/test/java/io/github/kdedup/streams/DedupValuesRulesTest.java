package io.github.kdedup.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.Origin;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.MissingKeyPolicy;
import io.github.kdedup.kafka.StoreUnavailablePolicy;
import io.github.kdedup.kafka.Verdict;
import io.github.kdedup.memory.MemoryIdempotencyStore;
import io.github.kdedup.testkafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The rules of the processor, fast, on Kafka Streams' {@link TopologyTestDriver} and the real memory
 * store (the processor's Admin client talks to the real test broker). What holds across commits, crashes and rebalances is proved on a real broker in {@link
 * StreamsDedupKafkaTest}.
 */
@DisplayName("The Streams processor's rules (TopologyTestDriver)")
class DedupValuesRulesTest {

    private final IdempotencyStore store = MemoryIdempotencyStore.create();
    private TopologyTestDriver driver;
    private TestInputTopic<String, String> input;
    private TestOutputTopic<String, String> output;
    private final String app = TestKafka.uniqueName("rules-app");

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
        store.close();
    }

    private void start(FixedKeyProcessorSupplier<String, String, String> supplier) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("orders", org.apache.kafka.streams.kstream.Consumed.with(Serdes.String(), Serdes.String()))
                .processValues(supplier)
                .to("out", org.apache.kafka.streams.kstream.Produced.with(Serdes.String(), Serdes.String()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        // The driver never commits to Kafka, but the processor's Admin client reads the (absent) committed
        // offsets of the application from the real test broker, as it would in production.
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        driver = new TopologyTestDriver(builder.build(), props);
        input = driver.createInputTopic("orders", new StringSerializer(), new StringSerializer());
        output = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
    }

    private static DedupConfig.Builder config() {
        return DedupConfig.builder();
    }

    private void send(String eventId, String value) {
        RecordHeaders headers = new RecordHeaders();
        if (eventId != null) {
            headers.add("event-id", eventId.getBytes(StandardCharsets.UTF_8));
        }
        input.pipeInput(new TestRecord<>("k", value, headers));
    }

    private static String header(TestRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Nested
    @DisplayName("dropDuplicates")
    class Dropping {

        @Test
        @DisplayName("should forward the first copy of each event and drop a republished copy")
        void shouldDropRepublishedCopies() {
            start(StreamsDedup.dropDuplicates(store, config().build()));
            send("e1", "first");
            send("e2", "second");
            send("e1", "again");

            assertThat(output.readValuesToList()).containsExactly("first", "second");
        }

        @Test
        @DisplayName(
                "should claim in the application id's namespace by default, and keep the claim in progress until its offset is committed")
        void shouldClaimInApplicationNamespaceUntilCommitted() {
            start(StreamsDedup.dropDuplicates(store, config().build()));
            send("e1", "first");

            assertThat(store.find(app, "e1"))
                    .hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(ClaimState.IN_PROGRESS));
        }

        @Test
        @DisplayName("should use the configured namespace and key extractor")
        void shouldUseConfiguredNamespaceAndKey() {
            start(StreamsDedup.dropDuplicates(
                    store,
                    config().namespace("billing")
                            .keyExtractor(io.github.kdedup.kafka.KeyExtractor.recordKey())
                            .build()));
            send(null, "first");
            send(null, "same record key");

            assertThat(output.readValuesToList()).containsExactly("first");
            assertThat(store.find("billing", "k")).isPresent();
        }
    }

    @Nested
    @DisplayName("markDuplicates")
    class Marking {

        @Test
        @DisplayName("should forward a duplicate with its cause and the first copy's origin in headers")
        void shouldMarkDuplicates() {
            start(StreamsDedup.markDuplicates(store, config().build()));
            send("e1", "first");
            send("e1", "again");

            List<TestRecord<String, String>> records = output.readRecordsToList();
            assertThat(records).extracting(TestRecord::value).containsExactly("first", "again");
            assertThat(StreamsDedup.isDuplicate(records.get(0).headers())).isFalse();
            assertThat(header(records.get(1), StreamsDedup.DUPLICATE_HEADER)).isEqualTo("republished");
            assertThat(header(records.get(1), StreamsDedup.DUPLICATE_OF_HEADER)).isEqualTo("orders-0@0");
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {

        @Test
        @DisplayName("should forward a record without key by default, and drop it with on-missing-key=skip")
        void shouldApplyMissingKeyPolicy() {
            start(StreamsDedup.dropDuplicates(store, config().build()));
            send(null, "no key");
            assertThat(output.readValuesToList()).containsExactly("no key");
            driver.close();

            start(StreamsDedup.dropDuplicates(
                    store, config().onMissingKey(MissingKeyPolicy.SKIP).build()));
            send(null, "no key");
            assertThat(output.isEmpty()).isTrue();
        }

        @Test
        @DisplayName(
                "should fail the stream thread on a record without key when on-missing-key=fail, naming the record")
        void shouldFailOnMissingKey() {
            start(StreamsDedup.dropDuplicates(
                    store, config().onMissingKey(MissingKeyPolicy.FAIL).build()));

            assertThatThrownBy(() -> send(null, "no key"))
                    .isInstanceOf(StreamsException.class)
                    .rootCause()
                    .hasMessageContaining("orders-0@0")
                    .hasMessageContaining("kdedup.on-missing-key=fail");
            assertThat(output.isEmpty()).isTrue();
        }

        @Test
        @DisplayName("should fail the stream thread when the store is down, forwarding nothing and saying what to do")
        void shouldFailWhenStoreDown() {
            IdempotencyStore down = MemoryIdempotencyStore.create();
            start(StreamsDedup.dropDuplicates(down, config().build()));
            down.close();

            assertThatThrownBy(() -> send("e1", "first"))
                    .isInstanceOf(StreamsException.class)
                    .hasStackTraceContaining("kdedup could not deduplicate orders-0@0")
                    .hasStackTraceContaining("REPLACE_THREAD")
                    .hasStackTraceContaining("pass-through");
            assertThat(output.isEmpty()).isTrue();
        }

        @Test
        @DisplayName("should forward without dedup while the store is down when on-store-unavailable=pass-through")
        void shouldPassThroughWhenStoreDown() {
            IdempotencyStore down = MemoryIdempotencyStore.create();
            start(StreamsDedup.dropDuplicates(
                    down,
                    config().onStoreUnavailable(StoreUnavailablePolicy.PASS_THROUGH)
                            .build()));
            down.close();
            send("e1", "first");
            send("e1", "again");

            assertThat(output.readValuesToList()).containsExactly("first", "again");
        }
    }

    @Nested
    @DisplayName("a misconfigured supplier")
    class Misconfigured {

        @Test
        @DisplayName("should refuse a config without a store URI when no store instance is given")
        void shouldRequireStore() {
            assertThatThrownBy(() -> StreamsDedup.dropDuplicates(config().build()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("kdedup.store is required");
        }

        @Test
        @DisplayName("should refuse to start with a lease shorter than the commit interval plus the check")
        void shouldRefuseShortLease() {
            assertThatThrownBy(() -> start(StreamsDedup.dropDuplicates(
                            store, config().lease(Duration.ofSeconds(20)).build())))
                    .hasStackTraceContaining("kdedup.lease")
                    .hasStackTraceContaining("commit.interval.ms");
        }

        @Test
        @DisplayName("should refuse a commit check interval under 10 ms")
        void shouldRefuseTinyCheckInterval() {
            DedupValuesSupplier<String, String> supplier = StreamsDedup.dropDuplicates(store, config().build());
            assertThatThrownBy(() -> supplier.withCommitCheckInterval(Duration.ofMillis(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least 10 ms");
        }
    }

    @Nested
    @DisplayName("decisions taken at poll time (claimAtPoll)")
    class TakenAtPoll {

        @AfterEach
        void forget() {
            PollClaims.clearThread();
        }

        /** Claims {@code key} for orders-0@offset as the interceptor would, and leaves the decision. */
        private ClaimResult claimAtPoll(String key, long offset, long polledAt) {
            PollClaims.Step step = PollClaims.steps(app).get(0);
            ClaimResult result = store.claim(List.of(new ClaimRequest(
                            app, key, new Origin("orders", 0, offset), "poll", null, Duration.ofMinutes(5))))
                    .get(0);
            PollClaims.keep(
                    new TopicPartition("orders", 0),
                    new PollClaims.Early(offset, step, Verdict.OWNED, result, polledAt));
            return result;
        }

        @Test
        @DisplayName("should forward under the poll's claim without claiming again")
        void shouldUseThePollsClaim() {
            start(StreamsDedup.dropDuplicates(store, config().build()));
            ClaimResult atPoll = claimAtPoll("e1", 0, System.nanoTime());

            send("e1", "first");

            assertThat(output.readValuesToList()).containsExactly("first");
            assertThat(store.find(app, "e1").orElseThrow().token())
                    .as("the poll's token, not reclaimed")
                    .isEqualTo(atPoll.claim().token());
        }

        @Test
        @DisplayName("should claim again when too little of the poll's lease is left")
        void shouldReclaimAStaleDecision() {
            start(StreamsDedup.dropDuplicates(store, config().build()));
            ClaimResult atPoll =
                    claimAtPoll("e1", 0, System.nanoTime() - Duration.ofHours(1).toNanos());

            send("e1", "first");

            assertThat(output.readValuesToList()).containsExactly("first");
            assertThat(store.find(app, "e1").orElseThrow().token())
                    .as("reclaimed by the processor (same origin)")
                    .isNotEqualTo(atPoll.claim().token());
        }

        @Test
        @DisplayName("should claim itself and give the poll's claim back when the record's key is not the one polled")
        void shouldIgnoreADecisionForAnotherKey() {
            start(StreamsDedup.dropDuplicates(store, config().build()));
            claimAtPoll("as-polled", 0, System.nanoTime());

            send("e1", "first");

            assertThat(output.readValuesToList()).containsExactly("first");
            assertThat(store.find(app, "e1")).isPresent();
            assertThat(store.find(app, "as-polled")).as("released").isEmpty();
        }
    }
}
