package io.github.kdedup.kafka;

import static io.github.kdedup.testkafka.TestKafka.consumerProperties;
import static io.github.kdedup.testkafka.TestKafka.createTopic;
import static io.github.kdedup.testkafka.TestKafka.ids;
import static io.github.kdedup.testkafka.TestKafka.publish;
import static io.github.kdedup.testkafka.TestKafka.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimState;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.StoredRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("DedupConsumerInterceptor on a real broker")
class DedupConsumerInterceptorTest {

    private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();

    @BeforeAll
    static void addRegistry() {
        Metrics.addRegistry(REGISTRY);
    }

    @AfterAll
    static void removeRegistry() {
        Metrics.removeRegistry(REGISTRY);
    }

    private static Map<String, Object> props(String group, String store, Object... more) {
        Map<String, Object> p = consumerProperties(group);
        p.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
        p.put("kdedup.store", store);
        p.put("kdedup.metrics", "global");
        p.put("kdedup.listener", RecordingListener.class.getName());
        for (int i = 0; i < more.length; i += 2) {
            p.put((String) more[i], more[i + 1]);
        }
        return p;
    }

    private static double count(String name, String namespace, String... tags) {
        Counter c = REGISTRY.find(name).tag("namespace", namespace).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static String header(ConsumerRecord<String, String> r) {
        return new String(r.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8);
    }

    /** Polls (committing after each poll) until the condition holds; returns the event ids delivered. */
    private static List<String> consume(KafkaConsumer<String, String> consumer, BooleanSupplier done) {
        List<String> handled = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("deadline").isLessThan(deadline);
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
            records.forEach(r -> handled.add(header(r)));
            consumer.commitSync();
        }
        return handled;
    }

    private static boolean caughtUp(KafkaConsumer<String, String> consumer, String topic) {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return false;
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        return ends.entrySet().stream()
                .allMatch(e -> committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() == e.getValue());
    }

    @Test
    @DisplayName("republished events are dropped and counted with their original origin; each event is handled once")
    void shouldDropRepublishedEvents() {
        String topic = createTopic("orders", 3);
        String group = uniqueName("g");
        String store = "faulty-memory:?name=" + group;
        List<String> events = ids(group, 200);
        publish(topic, events);
        List<String> again = new ArrayList<>();
        for (int i = 0; i < events.size(); i += 10) {
            again.add(events.get(i));
        }
        publish(topic, again);
        List<String> handled;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props(group, store))) {
            consumer.subscribe(List.of(topic));
            handled = consume(consumer, () -> caughtUp(consumer, topic));
            FaultyMemoryStore memory = FaultyMemoryStoreProvider.opened(store);
            for (RecordingListener.Heard heard : RecordingListener.of(topic)) {
                StoredRecord first =
                        memory.find(group, header(cast(heard.record()))).orElseThrow();
                assertThat(first.state()).isEqualTo(ClaimState.COMPLETED);
                assertThat(heard.result().existing().orElseThrow().origin()).isEqualTo(first.origin());
                assertThat(first.origin().offset()).isLessThan(heard.record().offset());
                assertThat(first.origin().partition()).isEqualTo(heard.record().partition());
            }
        }
        assertThat(handled).hasSize(200).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(events);
        assertThat(RecordingListener.of(topic))
                .hasSize(20)
                .allSatisfy(h -> assertThat(h.result().cause()).contains(DuplicateCause.REPUBLISHED));
        assertThat(count("kdedup.duplicates", group, "cause", "republished")).isEqualTo(20);
        assertThat(count("kdedup.claims", group, "outcome", "claimed")).isEqualTo(200);
        assertThat(SharedStores.references(store)).isZero();
    }

    @SuppressWarnings("unchecked")
    private static ConsumerRecord<String, String> cast(ConsumerRecord<?, ?> r) {
        return (ConsumerRecord<String, String>) r;
    }

    @Test
    @DisplayName("a consumer closed without committing releases its claims: the next member handles everything")
    void shouldReleaseClaimsOnClose() {
        String topic = createTopic("close", 1);
        String group = uniqueName("g");
        String store = "faulty-memory:?name=" + group;
        List<String> events = ids(group, 30);
        publish(topic, events);
        List<String> first = new ArrayList<>();
        Map<String, Object> p = props(group, store, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10");
        try (KafkaConsumer<String, String> c1 = new KafkaConsumer<>(p)) {
            c1.subscribe(List.of(topic));
            while (first.isEmpty()) {
                c1.poll(Duration.ofMillis(200)).forEach(r -> first.add(header(r)));
            }
        }
        List<String> second;
        try (KafkaConsumer<String, String> c2 = new KafkaConsumer<>(p)) {
            c2.subscribe(List.of(topic));
            second = consume(c2, () -> caughtUp(c2, topic));
        }
        assertThat(first).isNotEmpty();
        assertThat(second).containsExactlyInAnyOrderElementsOf(events);
        assertThat(count("kdedup.duplicates", group, "cause", "retried")).isZero();
    }

    @Test
    @DisplayName(
            "a completion that failed at commit is retried at close: committed claims are completed, never released")
    void shouldCompleteCommittedClaimsAtCloseAfterAFailedCommit() {
        String topic = createTopic("blip", 1);
        String group = uniqueName("g");
        String store = "faulty-memory:?name=" + group;
        List<String> events = ids(group, 20);
        publish(topic, events);
        // Holds the shared store open across the consumers, so its records outlive them.
        try (SharedStores.Handle keep = SharedStores.acquire(store)) {
            FaultyMemoryStore memory = FaultyMemoryStoreProvider.opened(store);
            // the consumers open the store by URI: they share the one this handle holds open
            assertThat(keep.store()).isSameAs(memory);
            List<String> first = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props(group, store))) {
                consumer.subscribe(List.of(topic));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (first.size() < events.size()) {
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> first.add(header(r)));
                }
                memory.available(false);
                consumer.commitSync();
                memory.available(true);
            }
            assertThat(first).containsExactlyInAnyOrderElementsOf(events);
            for (String id : events) {
                assertThat(memory.find(group, id))
                        .as("the record of " + id)
                        .hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(ClaimState.COMPLETED));
            }
            publish(topic, events);
            List<String> second;
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props(group, store))) {
                consumer.subscribe(List.of(topic));
                second = consume(consumer, () -> caughtUp(consumer, topic));
            }
            assertThat(second).as("republished copies of committed events").isEmpty();
        }
    }

    @Test
    @DisplayName("after a crash before the commit, the redelivered records are reclaimed and handled again (retried)")
    void shouldReprocessRedeliveriesAfterCrash() {
        String topic = createTopic("crash", 1);
        String group = uniqueName("g");
        String store = "faulty-memory:?name=" + group;
        List<String> events = ids(group, 30);
        publish(topic, events);
        List<String> first = new ArrayList<>();
        // c1 "crashes": it polls, never commits and is never closed while c2 takes over its records.
        KafkaConsumer<String, String> c1 =
                new KafkaConsumer<>(props(group, store, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10"));
        try {
            c1.subscribe(List.of(topic));
            while (first.isEmpty()) {
                c1.poll(Duration.ofMillis(200)).forEach(r -> first.add(header(r)));
            }
            String otherGroup = uniqueName("g");
            List<String> second;
            try (KafkaConsumer<String, String> c2 =
                    new KafkaConsumer<>(props(otherGroup, store, "kdedup.namespace", group))) {
                c2.subscribe(List.of(topic));
                second = consume(c2, () -> caughtUp(c2, topic));
            }
            assertThat(second).containsExactlyInAnyOrderElementsOf(events);
            assertThat(count("kdedup.duplicates", group, "cause", "retried")).isEqualTo(first.size());
            assertThat(count("kdedup.lease.takeovers", group)).isEqualTo(first.size());
        } finally {
            c1.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    @Test
    @DisplayName(
            "store unavailable with fail: polls throw, nothing advances, and once it is back every event is handled once")
    void shouldStopWhileStoreIsDown() {
        String topic = createTopic("down", 2);
        String group = uniqueName("g");
        String store = "faulty-memory:?name=" + group;
        List<String> events = ids(group, 100);
        publish(topic, events);
        List<String> handled = new ArrayList<>();
        int failures = 0;
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props(group, store, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10"))) {
            consumer.subscribe(List.of(topic));
            FaultyMemoryStore memory = FaultyMemoryStoreProvider.opened(store);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (handled.size() < events.size()) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                try {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    records.forEach(r -> handled.add(header(r)));
                    consumer.commitSync();
                    if (!records.isEmpty() && failures == 0) {
                        memory.available(false);
                    }
                } catch (PollAbortedError e) {
                    assertThat(e).hasRootCauseMessage("connection refused (test backend switched off)");
                    failures++;
                    int before = handled.size();
                    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(consumer.assignment());
                    for (TopicPartition tp : consumer.assignment()) {
                        OffsetAndMetadata c = committed.get(tp);
                        if (c == null) {
                            consumer.seekToBeginning(List.of(tp));
                        } else {
                            consumer.seek(tp, c.offset());
                        }
                    }
                    assertThat(handled).hasSize(before);
                    if (failures == 3) {
                        memory.available(true);
                    }
                }
            }
        }
        assertThat(failures).isEqualTo(3);
        assertThat(handled).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(events);
        assertThat(count("kdedup.store.errors", group, "operation", "claim")).isEqualTo(3);
    }

    @Test
    @DisplayName("store unavailable with pass-through: everything is delivered, duplicates included, and counted")
    void shouldPassThroughWhileStoreIsDown() {
        String topic = createTopic("pass", 1);
        String group = uniqueName("g");
        String store = "faulty-memory:?name=" + group;
        List<String> events = ids(group, 20);
        publish(topic, events);
        publish(topic, events.subList(0, 5));
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props(group, store, "kdedup.on-store-unavailable", "pass-through"))) {
            FaultyMemoryStoreProvider.opened(store).available(false);
            consumer.subscribe(List.of(topic));
            List<String> handled = consume(consumer, () -> caughtUp(consumer, topic));
            assertThat(handled).hasSize(25).containsAll(events);
        }
        assertThat(count("kdedup.pass.through", group)).isEqualTo(25);
    }

    @Test
    @DisplayName("missing keys are delivered by default, dropped with skip, and make the poll throw with fail")
    void shouldApplyMissingKeyPolicy() {
        String topic = createTopic("nokey", 1);
        List<String> events = ids("n", 5);
        publish(topic, events);
        for (String policy : List.of("process", "skip", "fail")) {
            String group = uniqueName("g");
            Map<String, Object> p = props(
                    group,
                    "faulty-memory:?name=" + group,
                    "kdedup.key",
                    "header:trace-id",
                    "kdedup.on-missing-key",
                    policy);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
                consumer.subscribe(List.of(topic));
                if (policy.equals("fail")) {
                    assertThatThrownBy(() -> consume(consumer, () -> false))
                            .isInstanceOf(PollAbortedError.class)
                            .hasMessageContaining("it has no key")
                            .hasMessageContaining("kdedup.on-missing-key=fail");
                } else {
                    List<String> handled = consume(consumer, () -> caughtUp(consumer, topic));
                    assertThat(handled).hasSize(policy.equals("process") ? 5 : 0);
                    assertThat(count("kdedup.keys.missing", group, "policy", policy))
                            .isEqualTo(5);
                }
            }
        }
    }

    @Test
    @DisplayName("a poll whose records are all duplicates still moves the committed offset to the end")
    void shouldKeepNextOffsetsWhenAllRecordsDropped() {
        String topic = createTopic("alldup", 1);
        String group = uniqueName("g");
        String store = "faulty-memory:?name=" + group;
        publish(topic, List.of("x"));
        publish(topic, List.of("x", "x", "x"));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props(group, store))) {
            consumer.subscribe(List.of(topic));
            List<String> handled = consume(consumer, () -> caughtUp(consumer, topic));
            assertThat(handled).containsExactly("x");
            TopicPartition tp = new TopicPartition(topic, 0);
            assertThat(consumer.committed(Set.of(tp)).get(tp).offset()).isEqualTo(4);
        }
    }

    @Test
    @DisplayName(
            "across rebalances nothing is lost, republished copies stay dropped, and every repeat is a counted retry")
    void shouldStayWithinItsWindowAcrossRebalances() throws Exception {
        String topic = createTopic("rebalance", 4);
        String group = uniqueName("g");
        String store = "faulty-memory:?name=" + group;
        List<String> events = ids(group, 400);
        publish(topic, events);
        List<String> again = new ArrayList<>();
        for (int i = 0; i < events.size(); i += 10) {
            again.add(events.get(i));
        }
        publish(topic, again);
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Runnable member = () -> {
            Map<String, Object> p = props(group, store, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
                consumer.subscribe(List.of(topic));
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        counts.computeIfAbsent(header(r), k -> new AtomicInteger())
                                .incrementAndGet();
                        Thread.sleep(2);
                    }
                    try {
                        consumer.commitSync();
                    } catch (KafkaException e) {
                        // the partitions moved: their uncommitted records come again to the new owner
                    }
                }
            } catch (Throwable t) {
                errors.add(t);
            }
        };
        Thread a = new Thread(member, "member-a");
        Thread b = new Thread(member, "member-b");
        a.start();
        b.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (counts.size() < 100 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread c = new Thread(member, "member-c");
        c.start();
        while (counts.size() < events.size() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(1_000); // a copy let through late would show up now
        stop.set(true);
        a.join();
        b.join();
        c.join();

        assertThat(errors).isEmpty();
        assertThat(counts.keySet()).as("nothing lost").containsExactlyInAnyOrderElementsOf(events);
        int repeats = counts.values().stream().mapToInt(n -> n.get() - 1).sum();
        // The interceptor's window: records handled but not committed when their partition moved are
        // handled again by the new owner, which reclaims them (same origin): each repeat is a retry.
        assertThat((double) repeats).isLessThanOrEqualTo(count("kdedup.duplicates", group, "cause", "retried"));
        assertThat(count("kdedup.duplicates", group, "cause", "republished"))
                .as("every republished copy was dropped (a copy read again after a rebalance counts again)")
                .isGreaterThanOrEqualTo(again.size());
        assertThat(SharedStores.references(store)).isZero();
    }
}
