package io.github.kdedup.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The order events the consumer benchmarks read: the same records for the plain consumer, the
 * interceptor, the processor, the Spring container and the Streams topology, so that their ratios
 * compare like with like. Record {@code i} goes to partition {@code i % partitions}, with key {@code
 * k<i>}, header {@code event-id: evt-<i>} (kdedup's default key) and a small JSON order as value.
 *
 * <p>Stateless; each method opens and closes its own client.
 */
final class Orders {

    private static final String PAYLOAD =
            "{\"order\":\"%d\",\"amount\":\"12.50\",\"currency\":\"EUR\",\"customer\":\"c-%d\"}";

    private Orders() {}

    /**
     * Creates topics with {@code partitions} partitions each, replication factor 1.
     *
     * @throws ExecutionException when the broker refuses a topic
     * @throws InterruptedException when interrupted while waiting
     */
    static void createTopics(String bootstrap, int partitions, String... topics)
            throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Arrays.stream(topics)
                            .map(topic -> new NewTopic(topic, partitions, (short) 1))
                            .toList())
                    .all()
                    .get();
        }
    }

    /** Writes {@code records} distinct order events to {@code topic}, spread over its partitions. */
    static void publish(String bootstrap, String topic, int partitions, int records) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // Large batches: the set-up is not what is measured, and it should not take longer than the run.
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < records; i++) {
                ProducerRecord<String, String> record =
                        new ProducerRecord<>(topic, i % partitions, "k" + i, String.format(PAYLOAD, i, i % 977));
                record.headers().add("event-id", ("evt-" + i).getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }
}
