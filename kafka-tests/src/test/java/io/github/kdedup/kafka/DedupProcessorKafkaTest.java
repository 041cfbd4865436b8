package io.github.kdedup.kafka;

import static io.github.kdedup.testkafka.TestKafka.consumerProperties;
import static io.github.kdedup.testkafka.TestKafka.createTopic;
import static io.github.kdedup.testkafka.TestKafka.ids;
import static io.github.kdedup.testkafka.TestKafka.publish;
import static io.github.kdedup.testkafka.TestKafka.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.DuplicateCause;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("DedupProcessor on a real broker")
class DedupProcessorKafkaTest {

    private static String eventId(ConsumerRecord<String, String> r) {
        return new String(r.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> props(String group, String store) {
        Map<String, Object> p = consumerProperties(group);
        p.put("kdedup.store", store);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10");
        return p;
    }

    @Test
    @DisplayName("a consumer closed without committing: the next member handles the rest, and nothing twice")
    void shouldNotHandleTwiceAfterUncommittedClose() {
        String topic = createTopic("pclose", 1);
        String group = uniqueName("g");
        Map<String, Object> p = props(group, "memory:");
        List<String> events = ids(group, 30);
        publish(topic, events);
        List<String> handled = new ArrayList<>();
        try (DedupProcessor dedup = DedupProcessor.fromProperties(p)) {
            try (KafkaConsumer<String, String> c1 = new KafkaConsumer<>(p)) {
                c1.subscribe(List.of(topic));
                while (handled.isEmpty()) {
                    dedup.process(c1.poll(Duration.ofMillis(200)), r -> handled.add(eventId(r)));
                }
            }
            int first = handled.size();
            List<RecordOutcome> redelivered = new ArrayList<>();
            try (KafkaConsumer<String, String> c2 = new KafkaConsumer<>(p)) {
                c2.subscribe(List.of(topic));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (handled.size() < events.size()) {
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    for (RecordOutcome o :
                            dedup.process(c2.poll(Duration.ofMillis(200)), r -> handled.add(eventId(r)))) {
                        if (o.duplicate()) {
                            redelivered.add(o);
                        }
                    }
                    c2.commitSync();
                }
            }
            assertThat(handled).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(events);
            assertThat(redelivered).hasSize(first).allSatisfy(o -> {
                assertThat(o.cause()).contains(DuplicateCause.REDELIVERED);
                assertThat(o.original().orElseThrow().offset())
                        .isEqualTo(o.record().offset());
            });
        }
    }

    @Test
    @DisplayName("two consumers of a group with rebalances in the middle: every event handled, none twice")
    void shouldHandleEachEventOnceAcrossRebalances() throws Exception {
        String topic = createTopic("rebalance", 4);
        String group = uniqueName("g");
        String store = "memory:";
        List<String> events = ids(group, 400);
        publish(topic, events);
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger polls = new AtomicInteger();
        Runnable member = () -> {
            Map<String, Object> p = props(group, store);
            try (DedupProcessor dedup = DedupProcessor.fromProperties(p);
                    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
                consumer.subscribe(List.of(topic));
                while (!stop.get()) {
                    dedup.process(consumer.poll(Duration.ofMillis(100)), r -> {
                        counts.computeIfAbsent(eventId(r), k -> new AtomicInteger())
                                .incrementAndGet();
                        Thread.sleep(2);
                    });
                    polls.incrementAndGet();
                    try {
                        consumer.commitSync();
                    } catch (KafkaException e) {
                        // a rebalance took the partitions away: their records come again to the new owner
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
        // A third member joins and leaves while the others are in the middle of the run.
        while (counts.size() < 100 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread c = new Thread(member, "member-c");
        c.start();
        while (counts.size() < 250 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        while (counts.size() < events.size() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        stop.set(true);
        a.join();
        b.join();
        c.join();
        assertThat(errors).isEmpty();
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(events);
        assertThat(counts.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(SharedStores.references(store)).isZero();
    }
}
