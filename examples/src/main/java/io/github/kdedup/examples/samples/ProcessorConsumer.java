package io.github.kdedup.examples.samples;

import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupProcessor;
import io.github.kdedup.kafka.RecordHandler;
import io.github.kdedup.kafka.RecordOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The strongest guarantee without a database: the record processor claims each poll in one store
 * call, runs the handler for the events this consumer owns and completes each claim right after its
 * handler, before the offset commit; a handler that throws releases its claim. Runs on the calling
 * thread until {@code stop} says so; not thread-safe.
 */
public final class ProcessorConsumer {

    private ProcessorConsumer() {}

    /**
     * Consumes {@code topic} as group {@code groupId} until {@code stop} returns true.
     *
     * @param bootstrapServers the brokers
     * @param groupId the group, also kdedup's namespace
     * @param topic the topic
     * @param storeUri the store, such as {@code redis://localhost:6379}
     * @param handler the business logic, called once per event
     * @param stop checked after each poll
     * @throws IllegalStateException when the handler failed; its claim was released and the offsets
     *     of that poll were not committed, so the record comes again
     */
    public static void run(
            String bootstrapServers,
            String groupId,
            String topic,
            String storeUri,
            RecordHandler<String, String> handler,
            BooleanSupplier stop) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                groupId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class);
        DedupConfig config =
                DedupConfig.builder().store(storeUri).namespace(groupId).build();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
                DedupProcessor dedup = DedupProcessor.open(config)) {
            consumer.subscribe(List.of(topic));
            while (!stop.getAsBoolean()) {
                for (RecordOutcome outcome : dedup.process(consumer.poll(Duration.ofMillis(200)), handler)) {
                    if (outcome.failed()) {
                        throw new IllegalStateException("could not process " + outcome, outcome.error());
                    }
                }
                consumer.commitSync();
            }
        }
    }
}
