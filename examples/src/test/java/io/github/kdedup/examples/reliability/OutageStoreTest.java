package io.github.kdedup.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import io.github.kdedup.kafka.DedupMetrics;
import io.github.kdedup.kafka.DedupProcessor;
import io.github.kdedup.kafka.PollAbortedError;
import io.github.kdedup.kafka.RecordOutcome;
import io.github.kdedup.kafka.StoreUnavailablePolicy;
import io.github.kdedup.tck.LocalPostgres;
import io.github.kdedup.tck.RedisServerProcess;
import io.github.kdedup.testkafka.TestKafka;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, item 2: the store goes down in the middle of a run and comes back. The servers are this
 * test's own (a Redis with an fsynced append-only file, a throwaway PostgreSQL), killed and
 * restarted on the same port; the shared ones are never touched. The consumer runs in this JVM, in
 * the test's thread, so that each outage starts and ends between two polls.
 */
@DisplayName("A store outage in the middle of a run")
class OutageStoreTest {

    private static final int EVENTS = 300;
    private static final int APPLIED_BEFORE_OUTAGE = 100;
    private static final int MAX_POLL_RECORDS = 30;
    private static final Duration MIN_OUTAGE = Duration.ofSeconds(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static RedisServerProcess redis;
    private static LocalPostgres postgres;

    @BeforeAll
    static void start() {
        // every write fsynced before the reply: what the store acknowledged survives the SIGKILL
        redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
        postgres = LocalPostgres.start(null);
    }

    @AfterAll
    static void stop() {
        try {
            if (redis != null) {
                redis.close();
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    /** Applications per event id, as a business side effect would see them. */
    private static final class Ledger {
        final Map<String, Integer> applications = new HashMap<>();
        final Set<String> appliedUnguarded = new HashSet<>();
        int total;

        void apply(ConsumerRecord<String, String> record) {
            applications.merge(CrashConsumerMain.eventId(record), 1, Integer::sum);
            total++;
        }

        int doubleApplications() {
            return applications.values().stream().mapToInt(n -> n - 1).sum();
        }
    }

    private record Topic(String name, TopicPartition partition, long end, int copies) {}

    private static Topic topic() throws Exception {
        String name = "outage-" + UUID.randomUUID();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, Optional.of(1), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        EventProducer.Produced produced =
                new EventProducer(TestKafka.bootstrapServers(), name, 5).produce("evt", EVENTS, 0.1);
        assertThat(produced.copies()).isPositive();
        return new Topic(name, new TopicPartition(name, 0), produced.records(), produced.copies());
    }

    private static KafkaConsumer<String, String> consumer(Topic topic, Map<String, String> extra) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "outage-" + UUID.randomUUID());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(MAX_POLL_RECORDS));
        props.putAll(extra);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        // assigned, not subscribed: no rebalance in these runs, the outage is the only fault
        consumer.assign(List.of(topic.partition()));
        return consumer;
    }

    private static long committed(KafkaConsumer<?, ?> consumer, TopicPartition partition) {
        OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
        return offset == null ? 0 : offset.offset();
    }

    private static void seekToCommitted(KafkaConsumer<?, ?> consumer, TopicPartition partition) {
        consumer.seek(partition, committed(consumer, partition));
    }

    private static void deadline(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new AssertionError("not done after " + TIMEOUT + ": " + what);
        }
    }

    // ----- record processor on Redis -----

    /** Counts the records let through without dedup. */
    private static final class PassThroughCounter implements DedupMetrics {
        final AtomicInteger passed = new AtomicInteger();

        @Override
        public void passedThrough(String namespace, int records) {
            passed.addAndGet(records);
        }
    }

    private record ProcessorRun(Ledger ledger, int failedDuringOutage, int passed, String namespace) {}

    private ProcessorRun runProcessor(Topic topic, StoreUnavailablePolicy policy) throws Exception {
        String namespace = "outage-" + UUID.randomUUID();
        PassThroughCounter metrics = new PassThroughCounter();
        DedupConfig config = DedupConfig.builder()
                .store(redis.uri() + "?timeout=PT0.5S")
                .namespace(namespace)
                .onStoreUnavailable(policy)
                .metrics(metrics)
                .build();
        Ledger ledger = new Ledger();
        int failedDuringOutage = 0;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (DedupProcessor dedup = DedupProcessor.open(config);
                KafkaConsumer<String, String> consumer = consumer(topic, Map.of())) {
            while (ledger.applications.size() < APPLIED_BEFORE_OUTAGE) {
                deadline(deadline, "applied " + ledger.applications.size() + " before the outage");
                dedup.process(consumer.poll(Duration.ofMillis(100)), ledger::apply);
                consumer.commitSync();
            }
            redis.stop();
            try {
                long committedAtStop = committed(consumer, topic.partition());
                int totalAtStop = ledger.total;
                long outageEnds = System.nanoTime() + MIN_OUTAGE.toNanos();
                int polls = 0;
                while (polls < 3 || System.nanoTime() < outageEnds) {
                    deadline(deadline, "polls during the outage");
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    if (records.isEmpty()) {
                        continue;
                    }
                    polls++;
                    if (policy == StoreUnavailablePolicy.FAIL) {
                        Throwable thrown = catchThrowable(() -> dedup.process(records, ledger::apply));
                        assertThat(thrown)
                                .as("process() while Redis is down")
                                .isInstanceOf(IdempotencyStoreException.class);
                        failedDuringOutage++;
                        seekToCommitted(consumer, topic.partition());
                        assertThat(ledger.total)
                                .as("records handled while down")
                                .isEqualTo(totalAtStop);
                        assertThat(committed(consumer, topic.partition()))
                                .as("committed offset while down")
                                .isEqualTo(committedAtStop);
                    } else {
                        for (RecordOutcome outcome : dedup.process(records, ledger::apply)) {
                            assertThat(outcome.processed()).isTrue();
                            assertThat(outcome.deduplicated()).isFalse();
                            ledger.appliedUnguarded.add(CrashConsumerMain.eventId(outcome.record()));
                        }
                        consumer.commitSync();
                    }
                }
            } finally {
                redis.startProcess();
            }
            while (committed(consumer, topic.partition()) < topic.end()) {
                deadline(deadline, "committed " + committed(consumer, topic.partition()) + " of " + topic.end());
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                try {
                    for (RecordOutcome outcome : dedup.process(records, ledger::apply)) {
                        if (outcome.processed() && !outcome.deduplicated()) {
                            ledger.appliedUnguarded.add(CrashConsumerMain.eventId(outcome.record()));
                        }
                    }
                } catch (IdempotencyStoreException e) {
                    // a pooled connection of the old server: this poll failed as a whole, go again
                    seekToCommitted(consumer, topic.partition());
                    continue;
                }
                consumer.commitSync();
            }
        }
        return new ProcessorRun(ledger, failedDuringOutage, metrics.passed.get(), namespace);
    }

    @Test
    @DisplayName("with on-store-unavailable=fail the record processor stops while Redis is down, then "
            + "handles every event exactly once")
    void shouldStopAndThenHandleEveryEventOnceWhenRedisComesBack() throws Exception {
        Topic topic = topic();

        ProcessorRun run = runProcessor(topic, StoreUnavailablePolicy.FAIL);

        assertThat(run.failedDuringOutage()).isGreaterThanOrEqualTo(3);
        assertThat(run.passed()).as("records passed through").isZero();
        assertThat(run.ledger().applications).hasSize(EVENTS);
        assertThat(run.ledger().applications.values())
                .allSatisfy(n -> assertThat(n).as("applications of one event").isEqualTo(1));
        // What Redis acknowledged before the SIGKILL is still there: reading the topic again in the
        // same namespace finds every event completed.
        AtomicInteger handledAgain = new AtomicInteger();
        try (DedupProcessor dedup = DedupProcessor.open(DedupConfig.builder()
                        .store(redis.uri())
                        .namespace(run.namespace())
                        .build());
                KafkaConsumer<String, String> consumer = consumer(topic, Map.of())) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(topic.partition()) < topic.end()) {
                deadline(deadline, "second read");
                dedup.process(consumer.poll(Duration.ofMillis(100)), r -> handledAgain.incrementAndGet());
            }
        }
        assertThat(handledAgain).as("events handled again after the restart").hasValue(0);
    }

    @Test
    @DisplayName("with on-store-unavailable=pass-through the record processor loses nothing while Redis is "
            + "down and every duplicate it let through is counted")
    void shouldPassThroughAndCountWhileRedisIsDown() throws Exception {
        Topic topic = topic();

        ProcessorRun run = runProcessor(topic, StoreUnavailablePolicy.PASS_THROUGH);

        Ledger ledger = run.ledger();
        assertThat(ledger.applications).hasSize(EVENTS);
        assertThat(ledger.appliedUnguarded).as("events handled without dedup").isNotEmpty();
        assertThat(run.passed()).as("pass-through count").isGreaterThanOrEqualTo(ledger.appliedUnguarded.size());
        assertThat(ledger.doubleApplications())
                .as("double applications (at most the records let through)")
                .isLessThanOrEqualTo(run.passed());
        assertThat(ledger.applications.entrySet())
                .as("events applied twice although every copy was deduplicated")
                .filteredOn(e -> e.getValue() > 1 && !ledger.appliedUnguarded.contains(e.getKey()))
                .isEmpty();
    }

    // ----- interceptor on PostgreSQL -----

    private record InterceptorRun(Ledger ledger, int abortedDuringOutage, double passed, Map<String, String> props) {}

    private InterceptorRun runInterceptor(Topic topic, String policy) throws Exception {
        String namespace = "outage-" + UUID.randomUUID();
        String table = "kdedup_outage_" + UUID.randomUUID().toString().replace("-", "");
        Map<String, String> props = Map.of(
                ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG,
                DedupConsumerInterceptor.class.getName(),
                DedupConfig.STORE,
                postgres.url() + "&kdedupTable=" + table
                        + "&kdedupConnectionTimeout=PT1S&connectTimeout=2&socketTimeout=5",
                DedupConfig.NAMESPACE,
                namespace,
                DedupConfig.ON_STORE_UNAVAILABLE,
                policy,
                DedupConfig.METRICS,
                "global");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Metrics.addRegistry(registry);
        Ledger ledger = new Ledger();
        int aborted = 0;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (KafkaConsumer<String, String> consumer = consumer(topic, props)) {
            while (ledger.applications.size() < APPLIED_BEFORE_OUTAGE) {
                deadline(deadline, "applied " + ledger.applications.size() + " before the outage");
                consumer.poll(Duration.ofMillis(100)).forEach(ledger::apply);
                consumer.commitSync();
            }
            postgres.stopImmediately();
            try {
                long committedAtStop = committed(consumer, topic.partition());
                int totalAtStop = ledger.total;
                long outageEnds = System.nanoTime() + MIN_OUTAGE.toNanos();
                int polls = 0;
                while (polls < 3 || System.nanoTime() < outageEnds) {
                    deadline(deadline, "polls during the outage");
                    if (policy.equals("fail")) {
                        Throwable thrown = catchThrowable(() -> consumer.poll(Duration.ofMillis(100)));
                        if (thrown == null) {
                            continue; // nothing fetched in this poll
                        }
                        polls++;
                        assertThat(thrown).as("poll while PostgreSQL is down").isInstanceOf(PollAbortedError.class);
                        aborted++;
                        seekToCommitted(consumer, topic.partition());
                        assertThat(ledger.total)
                                .as("records handled while down")
                                .isEqualTo(totalAtStop);
                        assertThat(committed(consumer, topic.partition()))
                                .as("committed offset while down")
                                .isEqualTo(committedAtStop);
                    } else {
                        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                        if (records.isEmpty()) {
                            continue;
                        }
                        polls++;
                        for (ConsumerRecord<String, String> r : records) {
                            ledger.apply(r);
                            ledger.appliedUnguarded.add(CrashConsumerMain.eventId(r));
                        }
                        consumer.commitSync();
                    }
                }
            } finally {
                postgres.startServer();
            }
            while (committed(consumer, topic.partition()) < topic.end()) {
                deadline(deadline, "committed " + committed(consumer, topic.partition()) + " of " + topic.end());
                try {
                    consumer.poll(Duration.ofMillis(100)).forEach(ledger::apply);
                } catch (PollAbortedError e) {
                    // a pooled connection of the old server: this poll failed as a whole, go again
                    seekToCommitted(consumer, topic.partition());
                    continue;
                }
                consumer.commitSync();
            }
        } finally {
            Metrics.removeRegistry(registry);
        }
        Counter passed =
                registry.find("kdedup.pass.through").tag("namespace", namespace).counter();
        return new InterceptorRun(ledger, aborted, passed == null ? 0 : passed.count(), props);
    }

    @Test
    @DisplayName("with on-store-unavailable=fail the interceptor's poll throws PollAbortedError while "
            + "PostgreSQL is down, then every event is handled exactly once")
    void shouldAbortPollsAndThenHandleEveryEventOnceWhenPostgresComesBack() throws Exception {
        Topic topic = topic();

        InterceptorRun run = runInterceptor(topic, "fail");

        assertThat(run.abortedDuringOutage()).isGreaterThanOrEqualTo(3);
        assertThat(run.passed()).as("records passed through").isZero();
        assertThat(run.ledger().applications).hasSize(EVENTS);
        assertThat(run.ledger().applications.values())
                .allSatisfy(n -> assertThat(n).as("applications of one event").isEqualTo(1));
        // The claims completed before the crash survived it: a second read in the same namespace
        // delivers nothing.
        int deliveredAgain = 0;
        Map<String, String> props = new HashMap<>(run.props());
        props.put(DedupConfig.METRICS, "none");
        try (KafkaConsumer<String, String> consumer = consumer(topic, props)) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(topic.partition()) < topic.end()) {
                deadline(deadline, "second read");
                deliveredAgain += consumer.poll(Duration.ofMillis(100)).count();
            }
        }
        assertThat(deliveredAgain)
                .as("events delivered again after the restart")
                .isZero();
    }

    @Test
    @DisplayName("with on-store-unavailable=pass-through the interceptor loses nothing while PostgreSQL is "
            + "down and every record it let through is counted")
    void shouldPassThroughAndCountWhilePostgresIsDown() throws Exception {
        Topic topic = topic();

        InterceptorRun run = runInterceptor(topic, "pass-through");

        Ledger ledger = run.ledger();
        assertThat(ledger.applications).hasSize(EVENTS);
        assertThat(ledger.appliedUnguarded).as("events handled while down").isNotEmpty();
        assertThat(run.passed()).as("kdedup.pass.through count").isGreaterThanOrEqualTo(ledger.appliedUnguarded.size());
        assertThat((double) ledger.doubleApplications())
                .as("double applications (at most the records let through)")
                .isLessThanOrEqualTo(run.passed());
    }
}
