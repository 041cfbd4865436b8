package io.github.kdedup.benchmarks;

import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import io.github.kdedup.kafka.DedupProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Records per second through a {@code KafkaConsumer} on a real broker in this JVM ({@link
 * EmbeddedKafka}): without kdedup ({@code plain}), with the consumer interceptor ({@code
 * interceptor:<store>}: one claim per poll, completion at {@code commitSync}) and with the record
 * processor ({@code processor:<store>}: one claim per poll, the claims completed after their handlers
 * in batches, at the default {@code kdedup.completion=per-batch}: one store call per 100 claims or
 * 100 ms, before {@code process} returns), for each store.
 *
 * <p>The trial produces {@code records} records (each with a unique {@code event-id} header) to a
 * topic of {@value #PARTITIONS} partitions once. Each invocation then consumes all of them with a
 * fresh consumer of a fresh group (so a fresh namespace: every record is claimed, none is a
 * duplicate), assigned to all partitions from the start, committing after every poll; the handler
 * only hands the value to a blackhole, so the score is the cost of consuming plus the cost of
 * kdedup. The primary score is invocations per second; the secondary {@code records} counter is
 * records per second ({@link Summary} multiplies the score by {@code records}, which is the same).
 * The store stays open for the iteration (as it would in a service) and is emptied after it.
 *
 * <p>Run it (servers: see {@link Services}):
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/kdedup-benchmarks.jar ConsumeBenchmark -f 1 -wi 1 -i 3 -w 2s -r 2s \
 *     -p mode=plain,interceptor:memory,interceptor:redis -rf json -rff benchmarks/results/consume.json
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ConsumeBenchmark {

    static final int PARTITIONS = 3;

    static final int DEFAULT_RECORDS = 50_000;

    private static final String TOPIC = "bench-events";
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(1);

    /** {@code plain}, or {@code interceptor:<store>} or {@code processor:<store>}. */
    @Param({
        "plain",
        "interceptor:memory",
        "interceptor:redis",
        "interceptor:postgres",
        "interceptor:mariadb",
        "processor:memory",
        "processor:redis",
        "processor:postgres",
        "processor:mariadb"
    })
    public String mode;

    /**
     * Records produced once and consumed by every invocation; {@code 0} picks {@value
     * #DEFAULT_RECORDS} for every mode. The record processor on a SQL store once had a cap of 2,000,
     * when it completed each record in its own transaction; it now completes in batches (5 commits
     * per poll of 500), so it is measured on as many records as the interceptor.
     */
    @Param({"0"})
    public int records;

    private @Nullable EmbeddedKafka broker;
    private String bootstrap = "";
    private String id = "";
    private String way = "plain";
    private @Nullable String store;
    private @Nullable String storeUri;
    private @Nullable DedupProcessor holder;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private int groups;

    /**
     * Starts the broker and produces the records.
     *
     * @throws Exception when the broker does not start
     */
    @Setup(Level.Trial)
    public void startBroker() throws Exception {
        int colon = mode.indexOf(':');
        way = colon < 0 ? mode : mode.substring(0, colon);
        if (!way.equals("plain") && !way.equals("interceptor") && !way.equals("processor")) {
            throw new IllegalArgumentException(
                    "mode must be plain, interceptor:<store> or processor:<store>, got '" + mode + "'");
        }
        id = Services.randomId();
        if (colon >= 0) {
            store = mode.substring(colon + 1);
            storeUri = Services.storeUri(store, id);
        }
        if (records == 0) {
            records = DEFAULT_RECORDS;
        }
        EmbeddedKafka started = EmbeddedKafka.start();
        broker = started;
        bootstrap = started.bootstrapServers();
        Orders.createTopics(bootstrap, PARTITIONS, TOPIC);
        Orders.publish(bootstrap, TOPIC, PARTITIONS, records);
        for (int partition = 0; partition < PARTITIONS; partition++) {
            partitions.add(new TopicPartition(TOPIC, partition));
        }
    }

    /** Opens the store for the iteration, as a long-running service holds it. */
    @Setup(Level.Iteration)
    public void openStore() {
        if (storeUri != null) {
            // The interceptor and the processors share the store of a URI while someone holds it.
            holder = DedupProcessor.open(config(storeUri, "bench-" + id + "-holder"));
        }
    }

    private static DedupConfig config(String uri, String namespace) {
        return DedupConfig.builder()
                .store(uri)
                .namespace(namespace)
                .lease(ClaimTarget.LEASE)
                .retention(ClaimTarget.RETENTION)
                .build();
    }

    /**
     * Consumes every record with a fresh group.
     *
     * @param blackhole takes each value, as a handler would
     * @return the records seen
     */
    @Benchmark
    public long consume(Blackhole blackhole, RecordCounter counter) {
        String group = "bench-" + id + "-" + (++groups);
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        if (way.equals("interceptor")) {
            props.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
            props.put(DedupConfig.STORE, storeUri);
            props.put(DedupConfig.LEASE, ClaimTarget.LEASE.toString());
            props.put(DedupConfig.RETENTION, ClaimTarget.RETENTION.toString());
        }
        long seen = 0;
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
                DedupProcessor processor =
                        way.equals("processor") ? DedupProcessor.open(config(storeUri, group)) : null) {
            consumer.assign(partitions);
            while (seen < records) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                if (processor != null) {
                    processor.process(records, record -> blackhole.consume(record.value()));
                } else {
                    for (ConsumerRecord<String, String> record : records) {
                        blackhole.consume(record.value());
                    }
                }
                seen += records.count();
                if (!records.isEmpty()) {
                    consumer.commitSync();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("consumed only " + seen + " of " + records + " records in "
                            + GIVE_UP_AFTER + " (" + mode + ")");
                }
            }
        }
        counter.records += seen;
        return seen;
    }

    /** Closes the store and removes what the iteration wrote. */
    @TearDown(Level.Iteration)
    public void clearStore() {
        if (holder != null) {
            holder.close();
            holder = null;
        }
        removeStoreData(false);
    }

    private void removeStoreData(boolean drop) {
        if (store == null) {
            return;
        }
        String jdbcUrl = Services.jdbcUrl(store);
        if (store.equals("redis")) {
            Services.deleteRedisKeys(Services.redisPrefix(id));
        } else if (jdbcUrl != null) {
            if (drop) {
                Services.dropTable(jdbcUrl, Services.table(id));
            } else {
                Services.truncate(jdbcUrl, Services.table(id));
            }
        }
    }

    /** Stops the broker and drops the store's table. */
    @TearDown(Level.Trial)
    public void stopBroker() {
        if (broker != null) {
            broker.close();
        }
        removeStoreData(true);
    }
}
