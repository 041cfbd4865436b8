package io.github.kdedup.examples.samples;

import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The least code: a plain manual-commit consumer, with kdedup switched on by two properties. The
 * interceptor drops duplicates from each poll and completes the claims when the offsets are
 * committed. Runs on the calling thread until {@code stop} says so; not thread-safe.
 */
public final class InterceptorConsumer {

    private InterceptorConsumer() {}

    /**
     * Consumes {@code topic} as group {@code groupId} until {@code stop} returns true.
     *
     * @param bootstrapServers the brokers
     * @param groupId the group, also kdedup's namespace
     * @param topic the topic
     * @param storeUri the store, such as {@code redis://localhost:6379}
     * @param handler the business logic, called once per event
     * @param stop checked after each poll
     */
    public static void run(
            String bootstrapServers,
            String groupId,
            String topic,
            String storeUri,
            Consumer<ConsumerRecord<String, String>> handler,
            BooleanSupplier stop) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        // kdedup: the interceptor and its store; the event id is read from the "event-id" header.
        props.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
        props.put(DedupConfig.STORE, storeUri);

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            while (!stop.getAsBoolean()) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    handler.accept(record);
                }
                consumer.commitSync();
            }
        }
    }
}
