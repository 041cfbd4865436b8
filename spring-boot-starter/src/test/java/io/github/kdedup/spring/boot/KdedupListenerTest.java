package io.github.kdedup.spring.boot;

import static io.github.kdedup.spring.boot.Ledger.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.memory.MemoryIdempotencyStore;
import io.github.kdedup.tck.CountingStore;
import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

@DisplayName("A Spring Boot application with the starter")
@SuppressWarnings("try") // an application context held open by try-with-resources is not otherwise referenced
class KdedupListenerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static String group() {
        return "g-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The same scenarios on each store: republished copies dropped, redelivered copies dropped. */
    abstract static class OnStore {

        /** Returns the store URI, or null when the test gives a store bean. */
        abstract String storeUri();

        @Test
        @DisplayName("drops republished copies: each event reaches the record listener once, counted by cause")
        void shouldDropRepublishedCopies() {
            String topic = TestKafka.createTopic("republished", 2);
            TestKafka.publish(topic, List.of("a", "b", "c", "a", "b", "d", "a"));
            Ledger ledger = new Ledger();
            try (ConfigurableApplicationContext app = TestApps.start(
                    TestApps.RecordApp.class, ledger, null, topic, group(), "kdedup.store=" + storeUri())) {
                await(TIMEOUT, () -> ledger.processed.size() == 4, "4 events");
                assertThat(ledger.totalProcessed()).isEqualTo(4);
                assertThat(List.of("a", "b", "c", "d")).allMatch(id -> ledger.processed(id) == 1);
                assertThat(TestApps.count(app, "kdedup.duplicates", "cause", "republished"))
                        .isEqualTo(3);
            }
        }

        @Test
        @DisplayName("drops redelivered copies: the same offsets read again (a reset to earliest) are not processed")
        void shouldDropRedeliveredCopies() {
            String topic = TestKafka.createTopic("redelivered", 1);
            TestKafka.publish(topic, List.of("x1", "x2", "x3"));
            String namespace = "ns-" + UUID.randomUUID();
            Ledger ledger = new Ledger();
            try (ConfigurableApplicationContext app = TestApps.start(
                    TestApps.RecordApp.class,
                    ledger,
                    null,
                    topic,
                    group(),
                    "kdedup.store=" + storeUri(),
                    "kdedup.namespace=" + namespace)) {
                await(TIMEOUT, () -> ledger.processed.size() == 3, "3 events");
            }
            // another group reads the same offsets again, in the same namespace: a redelivery
            try (ConfigurableApplicationContext app = TestApps.start(
                    TestApps.RecordApp.class,
                    ledger,
                    null,
                    topic,
                    group(),
                    "kdedup.store=" + storeUri(),
                    "kdedup.namespace=" + namespace)) {
                await(
                        TIMEOUT,
                        () -> TestApps.count(app, "kdedup.duplicates", "cause", "redelivered") == 3,
                        "3 redelivered copies");
                assertThat(ledger.totalProcessed()).isEqualTo(3);
            }
        }
    }

    @Nested
    @DisplayName("on the memory store")
    class Memory extends OnStore {
        @Override
        String storeUri() {
            // one store for both applications of a test: the memory store is shared by URI within the JVM
            // only through core's interceptor, so the test's own bean is used for the redelivery case
            return "memory:";
        }

        @Override
        @Test
        @DisplayName("drops redelivered copies: the same offsets read again (a reset to earliest) are not processed")
        void shouldDropRedeliveredCopies() {
            String topic = TestKafka.createTopic("redelivered", 1);
            TestKafka.publish(topic, List.of("x1", "x2", "x3"));
            Ledger ledger = new Ledger();
            try (MemoryIdempotencyStore store = MemoryIdempotencyStore.create()) {
                String namespace = "ns-" + UUID.randomUUID();
                try (ConfigurableApplicationContext app = TestApps.start(
                        TestApps.RecordApp.class, ledger, store, topic, group(), "kdedup.namespace=" + namespace)) {
                    await(TIMEOUT, () -> ledger.processed.size() == 3, "3 events");
                }
                try (ConfigurableApplicationContext app = TestApps.start(
                        TestApps.RecordApp.class, ledger, store, topic, group(), "kdedup.namespace=" + namespace)) {
                    await(
                            TIMEOUT,
                            () -> TestApps.count(app, "kdedup.duplicates", "cause", "redelivered") == 3,
                            "3 redelivered copies");
                    assertThat(ledger.totalProcessed()).isEqualTo(3);
                }
            }
        }
    }

    @Nested
    @DisplayName("on Redis")
    class Redis extends OnStore {
        @Override
        String storeUri() {
            return TestServices.redisUri();
        }
    }

    @Nested
    @DisplayName("on PostgreSQL")
    class Postgres extends OnStore {
        @Override
        String storeUri() {
            return TestServices.postgresUrl();
        }
    }

    @Nested
    @DisplayName("with listener failures")
    class Failures {

        @Test
        @DisplayName("a listener that fails twice then succeeds processes the event once; the others once too")
        void shouldProcessOnceAfterTwoFailures() {
            String topic = TestKafka.createTopic("retry", 1);
            TestKafka.publish(topic, List.of("r1", "r2", "r3", "r4"));
            Ledger ledger = new Ledger();
            ledger.failures.put("r2", 2);
            try (ConfigurableApplicationContext app =
                    TestApps.start(TestApps.RecordApp.class, ledger, null, topic, group(), "kdedup.store=memory:")) {
                await(TIMEOUT, () -> ledger.processed.size() == 4, "4 events");
                assertThat(ledger.attempts("r2")).isEqualTo(3);
                assertThat(List.of("r1", "r2", "r3", "r4")).allMatch(id -> ledger.processed(id) == 1);
                IdempotencyStore store = app.getBean(IdempotencyStore.class);
                String namespace = app.getEnvironment().getProperty("test.group");
                assertThat(List.of("r1", "r2", "r3", "r4"))
                        .allMatch(id -> store.find(namespace, id).orElseThrow().state() == ClaimState.COMPLETED);
            }
        }

        @Test
        @DisplayName("a record the error handler gives up on ends COMPLETED: its republished copy is dropped")
        void shouldCompleteARecordTheErrorHandlerGaveUpOn() {
            String topic = TestKafka.createTopic("poison", 1);
            TestKafka.publish(topic, List.of("ok1", "poison", "ok2"));
            Ledger ledger = new Ledger();
            ledger.failures.put("poison", 1000);
            String group = group();
            try (ConfigurableApplicationContext app =
                    TestApps.start(TestApps.RecordApp.class, ledger, null, topic, group, "kdedup.store=memory:")) {
                // the container's default error handler tries 10 times, then logs and skips the record
                await(TIMEOUT, () -> ledger.processed.size() == 2 && ledger.attempts("poison") == 10, "give-up");
                IdempotencyStore store = app.getBean(IdempotencyStore.class);
                await(
                        TIMEOUT,
                        () -> store.find(group, "poison")
                                .map(r -> r.state() == ClaimState.COMPLETED)
                                .orElse(false),
                        "the given-up record completed at the commit");
                TestKafka.publish(topic, List.of("poison"));
                await(
                        TIMEOUT,
                        () -> TestApps.count(app, "kdedup.duplicates", "cause", "republished") == 1,
                        "the republished copy dropped");
                assertThat(ledger.attempts("poison")).isEqualTo(10);
            }
        }
    }

    @Nested
    @DisplayName("round trips")
    class RoundTrips {

        @Test
        @DisplayName("a record listener costs one claim call per poll, not one per record")
        void shouldClaimOncePerPollForRecordListeners() {
            String topic = TestKafka.createTopic("trips", 1);
            List<String> ids = IntStream.range(0, 200).mapToObj(i -> "t" + i).toList();
            TestKafka.publish(topic, ids);
            Ledger ledger = new Ledger();
            try (CountingStore store = new CountingStore(MemoryIdempotencyStore.create());
                    ConfigurableApplicationContext app = TestApps.start(
                            TestApps.RecordApp.class,
                            ledger,
                            store,
                            topic,
                            group(),
                            "spring.kafka.consumer.max-poll-records=50")) {
                await(TIMEOUT, () -> ledger.processed.size() == 200, "200 events");
                assertThat(store.claimedKeys()).isEqualTo(200);
                // at least 4 polls of at most 50 records; one claim and one completion per poll
                assertThat(store.claimCalls()).isBetween(4, 8);
                assertThat(store.completedKeys()).isEqualTo(200);
                assertThat(store.completeCalls()).isBetween(4, 8);
            }
        }

        @Test
        @DisplayName("a batch listener gets the batch minus duplicates, with one claim call per batch")
        void shouldDeduplicateBatchListeners() {
            String topic = TestKafka.createTopic("batch", 1);
            List<String> ids = new ArrayList<>(
                    IntStream.range(0, 100).mapToObj(i -> "b" + i).toList());
            ids.addAll(IntStream.range(0, 50).mapToObj(i -> "b" + i).toList());
            TestKafka.publish(topic, ids);
            Ledger ledger = new Ledger();
            try (CountingStore store = new CountingStore(MemoryIdempotencyStore.create());
                    ConfigurableApplicationContext app = TestApps.start(
                            TestApps.BatchApp.class,
                            ledger,
                            store,
                            topic,
                            group(),
                            "spring.kafka.listener.type=batch",
                            "spring.kafka.consumer.max-poll-records=50")) {
                await(TIMEOUT, () -> ledger.processed.size() == 100, "100 events");
                assertThat(ledger.totalProcessed()).isEqualTo(100);
                assertThat(store.claimedKeys()).isEqualTo(150);
                assertThat(store.claimCalls())
                        .isEqualTo(app.getBean(TestApps.BatchListener.class)
                                        .batchSizes
                                        .size()
                                + 1);
            }
        }
    }

    @Test
    @DisplayName("two instances in one group with a rebalance in the middle process each event once")
    void shouldProcessEachEventOnceAcrossARebalance() {
        String topic = TestKafka.createTopic("rebalance", 4);
        List<String> ids =
                new ArrayList<>(IntStream.range(0, 300).mapToObj(i -> "e" + i).toList());
        ids.addAll(IntStream.range(0, 100).mapToObj(i -> "e" + (i * 3)).toList());
        TestKafka.publish(topic, ids);
        Ledger ledger = new Ledger();
        ledger.sleepMillis = 20;
        String group = group();
        String redis = TestServices.redisUri();
        // small polls, so that the first instance rejoins soon after the second one asks to join
        String[] props = {"kdedup.store=" + redis, "spring.kafka.consumer.max-poll-records=20"};
        try (ConfigurableApplicationContext first =
                TestApps.start(TestApps.RecordApp.class, ledger, null, topic, group, props)) {
            await(TIMEOUT, () -> ledger.processed.size() >= 30, "the first instance under way");
            // Hold the first instance inside its poll (claims taken, records not yet handled) until the
            // second one has asked to join: the rebalance then happens with most records still unread,
            // however long the second application takes to start on a loaded machine.
            CountDownLatch hold = new CountDownLatch(1);
            ledger.hold = hold;
            try (ConfigurableApplicationContext second =
                    TestApps.start(TestApps.RecordApp.class, ledger, null, topic, group, props)) {
                await(
                        TIMEOUT,
                        () -> TestKafka.groupState(group) == GroupState.PREPARING_REBALANCE,
                        "the second instance to ask to join");
                ledger.hold = null;
                hold.countDown();
                await(
                        TIMEOUT.multipliedBy(2),
                        () -> ledger.processed.size() == 300,
                        "300 events",
                        () -> missing(ledger, redis, group, 300, first, second));
                assertThat(ledger.totalProcessed()).isEqualTo(300);
                // the second instance did take partitions over in the middle
                assertThat(TestApps.count(second, "kdedup.claims", "outcome", "claimed")
                                + TestApps.count(second, "kdedup.claims", "outcome", "reclaimed"))
                        .isPositive();
            }
        }
        try (IdempotencyStore store = IdempotencyStores.open(redis)) {
            assertThat(IntStream.range(0, 300).mapToObj(i -> "e" + i))
                    .allMatch(id -> store.find(group, id).orElseThrow().state() == ClaimState.COMPLETED);
        }
    }

    /** Which of events e0..e(n-1) were never processed, with their attempts, store state and meters. */
    private static String missing(
            Ledger ledger, String storeUri, String namespace, int n, ConfigurableApplicationContext... apps) {
        StringBuilder out = new StringBuilder("; not processed:");
        try (IdempotencyStore store = IdempotencyStores.open(storeUri)) {
            IntStream.range(0, n)
                    .mapToObj(i -> "e" + i)
                    .filter(id -> ledger.processed(id) == 0)
                    .forEach(id -> out.append(' ')
                            .append(id)
                            .append(" (attempts ")
                            .append(ledger.attempts(id))
                            .append(", store ")
                            .append(store.find(namespace, id)
                                    .map(Object::toString)
                                    .orElse("none"))
                            .append(')'));
        } catch (RuntimeException e) {
            out.append(" (store not readable: ").append(e).append(')');
        }
        for (ConfigurableApplicationContext app : apps) {
            out.append("; an instance's claims:");
            for (String outcome : List.of("claimed", "reclaimed", "duplicate")) {
                out.append(' ')
                        .append(outcome)
                        .append('=')
                        .append(TestApps.count(app, "kdedup.claims", "outcome", outcome));
            }
            for (String operation : List.of("claim", "complete", "release")) {
                out.append(" store errors in ")
                        .append(operation)
                        .append('=')
                        .append(TestApps.count(app, "kdedup.store.errors", "operation", operation));
            }
        }
        return out.toString();
    }
}
