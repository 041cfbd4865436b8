package io.github.kdedup.benchmarks;

import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.streams.StreamsDedup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Records per second through a Kafka Streams topology on a real broker in this JVM ({@link
 * EmbeddedKafka}), under {@code exactly_once_v2} with a 100 ms commit interval and one stream thread:
 * {@code input -> output} ({@code plain}) against {@code input -> processValues(kdedup) -> output}
 * ({@code kdedup:<store>}).
 *
 * <p>The trial produces {@code records} records (each with a unique {@code event-id} header) to a
 * topic of {@value #PARTITIONS} partitions once. Each invocation runs a fresh application (a fresh
 * {@code application.id}, so a fresh group and namespace: every record is claimed, none is a
 * duplicate) from its start until it has committed the end of every input partition, then closes it.
 * So the score includes the application's start (group join, producer initialisation), the same for
 * both modes, and the cost kdedup adds: one claim per record (Kafka Streams hands a processor one
 * record at a time), or one per poll with {@code kdedup-poll}, and one completion call per task per
 * commit check. The primary score is
 * invocations per second; the {@code records} counter is records per second.
 *
 * <p>Run it (servers: see {@link Services}):
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/kdedup-benchmarks.jar StreamsBenchmark -f 1 -wi 1 -i 3 \
 *     -p mode=plain,kdedup:memory,kdedup:redis -rf json -rff benchmarks/results/streams.json
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class StreamsBenchmark {

    static final int PARTITIONS = 3;

    private static final String INPUT = "bench-streams-in";
    private static final String OUTPUT = "bench-streams-out";
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(2);

    /**
     * {@code plain}, or {@code kdedup:<store>} with a store of {@link Services#storeUri} (the processor
     * claims each record), or {@code kdedup-poll:<store>} (the same, with {@code
     * StreamsDedup.claimAtPoll}: the main consumer's interceptor claims each poll in one call).
     */
    @Param({"plain", "kdedup:memory", "kdedup:redis", "kdedup-poll:memory", "kdedup-poll:redis"})
    public String mode;

    /** Records produced once and consumed by every invocation. */
    @Param({"20000"})
    public int records;

    private @Nullable EmbeddedKafka broker;
    private String bootstrap = "";
    private String id = "";
    private @Nullable String store;
    private @Nullable String storeUri;
    private int runs;

    /**
     * Starts the broker and produces the records.
     *
     * @throws Exception when the broker does not start
     */
    @Setup(Level.Trial)
    public void startBroker() throws Exception {
        if (!mode.equals("plain") && !mode.startsWith("kdedup:") && !mode.startsWith("kdedup-poll:")) {
            throw new IllegalArgumentException(
                    "mode must be plain, kdedup:<store> or kdedup-poll:<store>, got '" + mode + "'");
        }
        id = Services.randomId();
        if (!mode.equals("plain")) {
            store = mode.substring(mode.indexOf(':') + 1);
            storeUri = Services.storeUri(store, id);
        }
        EmbeddedKafka started = EmbeddedKafka.start();
        broker = started;
        bootstrap = started.bootstrapServers();
        Orders.createTopics(bootstrap, PARTITIONS, INPUT, OUTPUT);
        Orders.publish(bootstrap, INPUT, PARTITIONS, records);
    }

    /**
     * Runs a fresh application over every record.
     *
     * @param counter the records counter
     * @return the records consumed
     * @throws Exception when the application did not consume everything in time
     */
    @Benchmark
    public long run(RecordCounter counter) throws Exception {
        String application = "bench-streams-" + id + "-" + (++runs);
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, String> in = builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()));
        if (storeUri != null) {
            DedupConfig dedup = DedupConfig.builder()
                    .store(storeUri)
                    .lease(ClaimTarget.LEASE)
                    .retention(ClaimTarget.RETENTION)
                    .build();
            in = in.processValues(StreamsDedup.<String, String>dropDuplicates(dedup));
        }
        in.to(OUTPUT, Produced.with(Serdes.String(), Serdes.String()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.STATE_DIR_CONFIG, tempDir());
        if (mode.startsWith("kdedup-poll:")) {
            StreamsDedup.claimAtPoll(props);
        }
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            streams.start();
            awaitCommittedToEnd(admin, application);
        }
        counter.records += records;
        return records;
    }

    /** The records are spread evenly, so the end of each partition is known without asking. */
    private void awaitCommittedToEnd(Admin admin, String group) throws Exception {
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            long sum = committed.values().stream()
                    .filter(o -> o != null)
                    .mapToLong(OffsetAndMetadata::offset)
                    .sum();
            if (sum >= records) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the application committed " + sum + " of " + records + " offsets in "
                        + GIVE_UP_AFTER + " (" + mode + ")");
            }
            Thread.sleep(20);
        }
    }

    /** Stops the broker and removes what the store holds. */
    @TearDown(Level.Trial)
    public void stopBroker() {
        if (broker != null) {
            broker.close();
        }
        if ("redis".equals(store)) {
            Services.deleteRedisKeys(Services.redisPrefix(id));
        }
    }

    private static String tempDir() {
        try {
            return Files.createTempDirectory("kdedup-bench-streams-").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
