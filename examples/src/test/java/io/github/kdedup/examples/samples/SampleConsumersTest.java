package io.github.kdedup.examples.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.testkafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The sample consumers")
class SampleConsumersTest {

    private static final int EVENTS = 400;

    /** A topic of {@value #EVENTS} events of which about 30 % were written twice. */
    private static String seededTopic() throws Exception {
        String topic = "orders-" + UUID.randomUUID();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(2), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        EventProducer.Produced produced =
                new EventProducer(TestKafka.bootstrapServers(), topic, 11).produce("evt", EVENTS, 0.3);
        assertThat(produced.copies()).isPositive();
        return topic;
    }

    /** Counts applications per event id; stops a consumer a while after every event arrived. */
    private static final class Ledger {
        final Map<String, AtomicInteger> applied = new ConcurrentHashMap<>();
        volatile long allSeenAt;

        void apply(ConsumerRecord<String, String> record) {
            String id = new String(record.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8);
            applied.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        }

        /** Keeps polling 1.5 s after the last event arrived, so that a leaked copy would be seen. */
        BooleanSupplier stop() {
            long deadline = System.nanoTime() + 60_000_000_000L;
            return () -> {
                if (applied.size() >= EVENTS && allSeenAt == 0) {
                    allSeenAt = System.nanoTime();
                }
                return System.nanoTime() > deadline || allSeenAt != 0 && System.nanoTime() - allSeenAt > 1_500_000_000L;
            };
        }

        void assertEachEventOnce() {
            assertThat(applied).hasSize(EVENTS);
            assertThat(applied.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        }
    }

    @Test
    @DisplayName("the interceptor consumer handles each republished event once")
    void shouldHandleEachEventOnceWithTheInterceptor() throws Exception {
        String topic = seededTopic();
        Ledger ledger = new Ledger();

        InterceptorConsumer.run(
                TestKafka.bootstrapServers(),
                "billing-" + UUID.randomUUID(),
                topic,
                "memory:",
                ledger::apply,
                ledger.stop());

        ledger.assertEachEventOnce();
    }

    @Test
    @DisplayName("the processor consumer handles each republished event once")
    void shouldHandleEachEventOnceWithTheProcessor() throws Exception {
        String topic = seededTopic();
        Ledger ledger = new Ledger();

        ProcessorConsumer.run(
                TestKafka.bootstrapServers(),
                "billing-" + UUID.randomUUID(),
                topic,
                "memory:",
                ledger::apply,
                ledger.stop());

        ledger.assertEachEventOnce();
    }
}
