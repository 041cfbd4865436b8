package io.github.kdedup.examples.streams;

import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.streams.StreamsDedup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * A Kafka Streams application that forwards each order once: {@code orders -> kdedup -> orders-unique},
 * under {@code exactly_once_v2}. Run it with one command (Kafka starts inside the JVM unless {@code
 * --bootstrap} names a cluster; the store is {@code memory:} unless {@code --store} names another):
 *
 * <pre>{@code
 * mvn -B -q -DskipTests package -pl examples -am && \
 *   java -cp examples/target/kdedup-demo.jar io.github.kdedup.examples.streams.StreamsDedupApp \
 *   [--store redis://localhost:6379] [--bootstrap localhost:9092] [--events 500]
 * }</pre>
 *
 * It writes the orders with about 30 % of them republished at later offsets, runs the topology until
 * the output holds every order, prints what it counted, and stops. Not thread-safe; one run at a time.
 */
public final class StreamsDedupApp {

    private StreamsDedupApp() {}

    /**
     * The topology, the part a user copies: one {@code processValues} line.
     *
     * @param input the topic to read
     * @param output the topic of unique events
     * @param dedup the kdedup settings (store, key, policies)
     * @return the topology
     */
    public static Topology topology(String input, String output, DedupConfig dedup) {
        StreamsBuilder builder = new StreamsBuilder();
        // README:begin
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .processValues(StreamsDedup.<String, String>dropDuplicates(dedup))
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
        // README:end
        return builder.build();
    }

    /**
     * What a run counted.
     *
     * @param events unique orders written
     * @param republished copies written at later offsets
     * @param output records on the output topic, read {@code read_committed}
     * @param distinct distinct order ids among them
     */
    public record Result(int events, int republished, int output, int distinct) {}

    /**
     * Writes orders with republished copies, runs the application until the output holds every order
     * (and then a quiet second), and stops it.
     *
     * @param bootstrapServers the cluster
     * @param storeUri the kdedup store
     * @param events how many orders
     * @return the counts
     * @throws IllegalStateException when the output did not receive every order within a minute
     */
    public static Result run(String bootstrapServers, String storeUri, int events) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "orders-" + run;
        String output = "orders-unique-" + run;
        createTopics(bootstrapServers, input, output);
        EventProducer.Produced produced =
                new EventProducer(bootstrapServers, input, 7).produce("order-" + run, events, 0.3);

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "orders-dedup-" + run);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.STATE_DIR_CONFIG, tempDir());
        // the namespace defaults to the application id; the key to the event-id header
        // README:begin
        DedupConfig dedup = DedupConfig.builder().store(storeUri).build();
        // README:end

        List<ConsumerRecord<String, String>> unique;
        try (KafkaStreams streams = new KafkaStreams(topology(input, output, dedup), props)) {
            streams.start();
            unique = readCommitted(bootstrapServers, output, events);
        }
        int distinct = (int) unique.stream().map(ConsumerRecord::key).distinct().count();
        return new Result(events, produced.copies(), unique.size(), distinct);
    }

    /**
     * Runs the sample and prints its counts.
     *
     * @param args {@code --store URI}, {@code --bootstrap host:port}, {@code --events N}, all optional
     */
    public static void main(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --store, --bootstrap or --events, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "every option takes a value: --store URI, --bootstrap host:port, " + "--events N");
        }
        String store = options.getOrDefault("store", "memory:");
        int events = Integer.parseInt(options.getOrDefault("events", "500"));
        Optional<String> bootstrap = Optional.ofNullable(options.get("bootstrap"));
        Result result;
        if (bootstrap.isPresent()) {
            result = run(bootstrap.get(), store, events);
        } else {
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                result = run(kafka.bootstrapServers(), store, events);
            }
        }
        System.out.printf(
                "wrote %d orders and %d republished copies; orders-unique holds %d records, %d distinct orders: "
                        + "%s%n",
                result.events(),
                result.republished(),
                result.output(),
                result.distinct(),
                result.output() == result.events() && result.distinct() == result.events()
                        ? "each order exactly once"
                        : "NOT each order once");
    }

    private static void createTopics(String bootstrapServers, String... topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(topics).stream()
                            .map(t -> new NewTopic(t, Optional.of(2), Optional.empty()))
                            .toList())
                    .all()
                    .get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create " + List.of(topics) + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<ConsumerRecord<String, String>> readCommitted(
            String bootstrapServers, String topic, int expected) {
        Map<String, Object> p = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                topic + "-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed");
        List<ConsumerRecord<String, String>> all = new java.util.ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
                if (all.size() >= expected && quietUntil == Long.MAX_VALUE) {
                    // anything written twice would arrive right behind: wait a little longer to see it
                    quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
        }
        if (all.size() < expected) {
            throw new IllegalStateException("the output topic " + topic + " received " + all.size() + " of " + expected
                    + " orders in a minute; is the Streams application running?");
        }
        return all;
    }

    private static String tempDir() {
        try {
            return Files.createTempDirectory("kdedup-streams-sample-").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
