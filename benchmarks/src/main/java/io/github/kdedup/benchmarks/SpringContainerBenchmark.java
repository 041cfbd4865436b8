package io.github.kdedup.benchmarks;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.spring.kafka.ContainerDedup;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.support.TopicPartitionOffset;

/**
 * Records per second through a Spring Kafka listener container (a record listener, {@code
 * AckMode.BATCH}, one consumer assigned all partitions) on a real broker in this JVM: without kdedup ({@code plain}) and
 * with {@link ContainerDedup} on a store ({@code container:memory}, {@code container:redis}): one
 * claim and one completion call per poll.
 *
 * <p>The trial produces {@code records} records with unique {@code event-id} headers to a topic of 3
 * partitions. Each invocation consumes all of them with a fresh container of a fresh group id (a fresh
 * namespace: every record is claimed, none is a duplicate); the listener hands the value to a
 * blackhole. The score is invocations per second; multiply by {@code records} for records per second.
 *
 * <p>Run it (Redis: see {@link Services}):
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/kdedup-benchmarks.jar SpringContainerBenchmark -f 1 -wi 1 -i 3 -w 2s -r 2s \
 *     -p mode=plain,container:memory,container:redis -rf json -rff benchmarks/results/spring.json
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
public class SpringContainerBenchmark {

    private static final String TOPIC = "bench-spring-events";
    private static final int PARTITIONS = 3;
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(1);

    /** {@code plain}, {@code container:memory} or {@code container:redis}. */
    @Param({"plain", "container:memory", "container:redis"})
    public String mode;

    /** Records produced once and consumed by every invocation. */
    @Param({"20000"})
    public int records;

    private @Nullable EmbeddedKafka broker;
    private @Nullable IdempotencyStore store;
    private @Nullable ConcurrentKafkaListenerContainerFactory<String, String> factory;
    private String id = "";
    private int groups;

    /**
     * Starts the broker, produces the records, opens the store and builds the container factory.
     *
     * @throws Exception when the broker does not start
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        id = Services.randomId();
        EmbeddedKafka started = EmbeddedKafka.start();
        broker = started;
        String bootstrap = started.bootstrapServers();
        Orders.createTopics(bootstrap, PARTITIONS, TOPIC);
        Orders.publish(bootstrap, TOPIC, PARTITIONS, records);
        Map<String, Object> consumer = new HashMap<>();
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        ConcurrentKafkaListenerContainerFactory<String, String> f = new ConcurrentKafkaListenerContainerFactory<>();
        f.setConsumerFactory(new DefaultKafkaConsumerFactory<>(consumer));
        f.getContainerProperties().setPollTimeout(100);
        if (mode.startsWith("container:")) {
            String name = mode.substring("container:".length());
            IdempotencyStore opened = IdempotencyStores.open(Services.storeUri(name, id));
            store = opened;
            ContainerDedup.create(
                            opened,
                            DedupConfig.builder()
                                    .lease(ClaimTarget.LEASE)
                                    .retention(ClaimTarget.RETENTION)
                                    .build())
                    .applyTo(f);
        } else if (!mode.equals("plain")) {
            throw new IllegalArgumentException("mode must be plain or container:<store>, got '" + mode + "'");
        }
        factory = f;
    }

    /**
     * Consumes every record once with a fresh container and group.
     *
     * @param blackhole takes the values
     * @throws InterruptedException when interrupted
     */
    @Benchmark
    public void consumeAll(Blackhole blackhole) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(records);
        // Assigned from offset 0 (no group rebalance to wait for), as ConsumeBenchmark's consumers are.
        ConcurrentMessageListenerContainer<String, String> container = java.util.Objects.requireNonNull(factory)
                .createContainer(
                        new TopicPartitionOffset(TOPIC, 0, 0L),
                        new TopicPartitionOffset(TOPIC, 1, 0L),
                        new TopicPartitionOffset(TOPIC, 2, 0L));
        container.getContainerProperties().setGroupId("bench-spring-" + id + "-" + groups++);
        container.setupMessageListener((MessageListener<String, String>) (ConsumerRecord<String, String> r) -> {
            blackhole.consume(r.value());
            done.countDown();
        });
        container.start();
        try {
            if (!done.await(GIVE_UP_AFTER.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(done.getCount() + " of " + records + " records not consumed after "
                        + GIVE_UP_AFTER + " (" + mode + ")");
            }
        } finally {
            container.stop();
        }
    }

    /** Closes the store and the broker. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (store != null) {
            store.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
