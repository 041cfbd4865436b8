package io.github.kdedup.examples.demo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes unique business events to a topic, each with an {@value #EVENT_ID_HEADER} header and the
 * event id as record key, and writes a share of them a second time at a new offset, a few records
 * later, the way duplicates reach a real log:
 *
 * <ul>
 *   <li>every other copy keeps the original's create timestamp: a send retried by a producer
 *       without idempotence (the broker wrote the first attempt, the ack was lost);
 *   <li>the others get a new timestamp and a {@value #RESENT_BY_HEADER} header: an application
 *       that published the event twice (an outbox relay that crashed before marking the row sent).
 * </ul>
 *
 * Not thread-safe: one instance, one thread.
 */
public final class EventProducer {

    /** The header that carries the business identity of an event. */
    public static final String EVENT_ID_HEADER = "event-id";

    /** The header an application-level republish adds, as a clue for the audit. */
    public static final String RESENT_BY_HEADER = "resent-by";

    /** How many records later a copy is written. */
    private static final int COPY_DELAY = 7;

    private final String bootstrapServers;
    private final String topic;
    private final Random random;

    /**
     * @param bootstrapServers the brokers
     * @param topic the topic, which must exist
     * @param seed makes the choice of republished events repeatable
     */
    public EventProducer(String bootstrapServers, String topic, long seed) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.random = new Random(seed);
    }

    /** What was written. */
    public record Produced(int events, int copies) {
        /** Returns the number of records written. */
        public int records() {
            return events + copies;
        }
    }

    /**
     * Writes {@code events} events with ids {@code prefix-0 ...}, and a copy of about {@code
     * republishShare} of them, then flushes.
     *
     * @param prefix the event id prefix, unique per run
     * @param events how many unique events
     * @param republishShare the share of events written twice, 0 to 1
     * @return the counts
     */
    public Produced produce(String prefix, int events, double republishShare) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.ACKS_CONFIG,
                "all",
                // the copies below are written on purpose; idempotence would not remove them anyway
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                false,
                ProducerConfig.LINGER_MS_CONFIG,
                5);
        Queue<Pending> copies = new ArrayDeque<>();
        int copied = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < events; i++) {
                String id = prefix + "-" + i;
                long timestamp = System.currentTimeMillis();
                producer.send(record(id, timestamp, null, i));
                if (random.nextDouble() < republishShare) {
                    copies.add(new Pending(id, timestamp, i, i + COPY_DELAY));
                }
                while (!copies.isEmpty() && copies.peek().dueAt() <= i) {
                    send(producer, copies.remove(), copied++);
                }
            }
            while (!copies.isEmpty()) {
                send(producer, copies.remove(), copied++);
            }
            producer.flush();
        }
        return new Produced(events, copied);
    }

    private void send(KafkaProducer<String, String> producer, Pending copy, int n) {
        boolean retry = n % 2 == 0;
        producer.send(record(
                copy.id(),
                // a republish happens later than the first send, never in the same millisecond
                retry ? copy.timestamp() : Math.max(System.currentTimeMillis(), copy.timestamp() + 1),
                retry ? null : "outbox-relay",
                copy.sequence()));
    }

    private ProducerRecord<String, String> record(String id, long timestamp, String resentBy, int sequence) {
        String value =
                "{\"eventId\":\"" + id + "\",\"type\":\"OrderPlaced\",\"amountCents\":" + (100 + sequence % 900) + "}";
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, null, timestamp, id, value);
        record.headers().add(EVENT_ID_HEADER, id.getBytes(StandardCharsets.UTF_8));
        if (resentBy != null) {
            record.headers().add(RESENT_BY_HEADER, resentBy.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private record Pending(String id, long timestamp, int sequence, int dueAt) {}
}
