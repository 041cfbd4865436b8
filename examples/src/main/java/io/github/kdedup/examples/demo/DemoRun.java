package io.github.kdedup.examples.demo;

import io.github.kdedup.DuplicateCause;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.kafka.DedupMetrics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * The demo's main flow: start (or reach) Kafka, produce events with republished copies, run a
 * consumer group that loses a member mid-batch, and count what the ledger booked. Not thread-safe:
 * one run at a time per instance.
 */
public final class DemoRun {

    /** Kafka could not be reached at the given bootstrap servers. */
    public static final class KafkaUnreachableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KafkaUnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Duration REACH_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration CONSUME_TIMEOUT = Duration.ofMinutes(5);

    private final DemoOptions options;
    private final PrintWriter out;
    private final DedupMetrics metrics;

    /**
     * A run whose meters go nowhere.
     *
     * @param options what to run
     * @param out where progress goes
     */
    public DemoRun(DemoOptions options, PrintWriter out) {
        this(options, out, DedupMetrics.NOOP);
    }

    /**
     * @param options what to run
     * @param out where progress goes
     * @param metrics where the record processors' meters go, such as a {@link MetricsEndpoint}'s
     *     registry wrapped by {@code MicrometerDedupMetrics.of}
     */
    public DemoRun(DemoOptions options, PrintWriter out, DedupMetrics metrics) {
        this.options = options;
        this.out = out;
        this.metrics = metrics;
    }

    /**
     * Runs the demo.
     *
     * @return the report
     * @throws KafkaUnreachableException when the external cluster does not answer
     * @throws IllegalArgumentException when no store module opens the store URI
     * @throws io.github.kdedup.IdempotencyStoreException when the store cannot be reached
     */
    public DemoReport run() throws InterruptedException {
        // The store first: a bad URI or an unreachable store fails before a broker is started.
        try (IdempotencyStore store = options.dedup() ? IdempotencyStores.open(options.storeUri()) : null) {
            return run(store);
        }
    }

    private DemoReport run(@Nullable IdempotencyStore store) throws InterruptedException {
        EmbeddedKafka embedded = null;
        try {
            String bootstrap = options.bootstrapServers();
            if (bootstrap == null) {
                out.println("starting Apache Kafka (KRaft, one node) in this JVM ...");
                long t0 = System.nanoTime();
                embedded = EmbeddedKafka.start();
                bootstrap = embedded.bootstrapServers();
                out.printf("  broker up at %s in %.1f s%n", bootstrap, (System.nanoTime() - t0) / 1e9);
            }
            return run(bootstrap, embedded != null, store);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private DemoReport run(String bootstrap, boolean embedded, @Nullable IdempotencyStore store)
            throws InterruptedException {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        // A fresh in-process broker has nothing to collide with; on a shared cluster each run gets its own topic.
        String topic = embedded ? "orders" : "orders-" + runId;
        String group = "kdedup-demo-" + runId;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) REACH_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000))) {
            reach(admin, bootstrap);
            if (store != null) {
                out.println("store: " + store.description());
            }
            createTopic(admin, topic, embedded);
            try {
                return consume(admin, bootstrap, topic, group, store);
            } finally {
                if (!embedded) {
                    cleanUp(admin, topic, group);
                }
            }
        }
    }

    private DemoReport consume(
            Admin admin, String bootstrap, String topic, String group, @Nullable IdempotencyStore store)
            throws InterruptedException {
        Ledger ledger = new Ledger();
        DemoStats stats = new DemoStats();
        AtomicBoolean started = new AtomicBoolean();
        List<ConsumerWorker> workers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 1; i <= options.consumers(); i++) {
            String name = "consumer-" + i;
            DedupStep step = store == null
                    ? new NoDedupStep()
                    : new KdedupStep(store, group, options.completion(), metrics, stats);
            ConsumerWorker worker = new ConsumerWorker(
                    bootstrap, group, name, topic, step, ledger, stats, started, options.crash() && i == 2);
            workers.add(worker);
            Thread thread = new Thread(worker, "kdedup-demo-" + name);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        awaitGroup(workers);
        out.printf("consumer group %s: %d members on %d partitions%n", group, workers.size(), options.partitions());

        long t0 = System.nanoTime();
        EventProducer.Produced produced =
                new EventProducer(bootstrap, topic, 42).produce("evt", options.events(), options.republishShare());
        out.printf(
                "produced %d events + %d republished copies = %d records in %.1f s%n",
                produced.events(), produced.copies(), produced.records(), (System.nanoTime() - t0) / 1e9);

        long c0 = System.nanoTime();
        started.set(true);
        boolean complete = awaitEnd(admin, topic, group, workers, stats, ledger);
        Duration consumeTime = Duration.ofNanos(System.nanoTime() - c0);
        workers.forEach(ConsumerWorker::stop);
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }

        List<String> ids =
                IntStream.range(0, produced.events()).mapToObj(i -> "evt-" + i).toList();
        Map<DuplicateCause, Long> counts = new EnumMap<>(DuplicateCause.class);
        Map<DuplicateCause, List<String>> examples = new EnumMap<>(DuplicateCause.class);
        for (DuplicateCause cause : DuplicateCause.values()) {
            counts.put(cause, stats.duplicates(cause));
            examples.put(cause, stats.examples(cause));
        }
        String crash = workers.stream()
                .map(ConsumerWorker::crashReport)
                .filter(r -> r != null)
                .findFirst()
                .orElse(null);
        return new DemoReport(
                options,
                store == null ? null : store.description(),
                produced.events(),
                produced.records(),
                stats.delivered(),
                ledger.distinctEvents(),
                ledger.bookings(),
                counts,
                examples,
                stats.unhandled(),
                stats.handledBeforeCrash(),
                ledger.missing(ids),
                ledger.bookedTwice(),
                crash,
                consumeTime,
                complete);
    }

    /**
     * Deletes what this run created on an external cluster, unless asked to keep it; either way says
     * so, with the commands that delete what is left.
     */
    private void cleanUp(Admin admin, String topic, String group) throws InterruptedException {
        String deleteTopic = "kafka-topics.sh --bootstrap-server HOST:PORT --delete --topic " + topic;
        String deleteGroup = "kafka-consumer-groups.sh --bootstrap-server HOST:PORT --delete --group " + group;
        if (options.keep()) {
            out.println("kept topic " + topic + " and group " + group + " (--keep); delete them with:");
            out.println("  " + deleteTopic);
            out.println("  " + deleteGroup);
            return;
        }
        List<String> left = new ArrayList<>();
        try {
            admin.deleteConsumerGroups(List.of(group)).all().get(REACH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            left.add(deleteGroup + "   (" + rootMessage(e) + ")");
        }
        try {
            admin.deleteTopics(List.of(topic)).all().get(REACH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            left.add(deleteTopic + "   (" + rootMessage(e) + ")");
        }
        if (left.isEmpty()) {
            out.println("deleted topic " + topic + " and group " + group + " (--keep keeps them)");
        } else {
            out.println("could not delete everything this run created; delete it with:");
            left.forEach(line -> out.println("  " + line));
        }
    }

    private static String rootMessage(Exception e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static void reach(Admin admin, String bootstrap) throws InterruptedException {
        try {
            admin.describeCluster().nodes().get(REACH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaUnreachableException(
                    "cannot reach Kafka at " + bootstrap + " within " + REACH_TIMEOUT.toSeconds() + " s ("
                            + (e.getCause() == null ? e : e.getCause())
                                    .getClass()
                                    .getSimpleName()
                            + "); start a broker there, fix --bootstrap-servers, or leave it out to run Kafka in"
                            + " this JVM",
                    e);
        }
    }

    private void createTopic(Admin admin, String topic, boolean embedded) throws InterruptedException {
        // On an external cluster the broker's default replication factor applies.
        NewTopic newTopic = new NewTopic(
                topic, Optional.of(options.partitions()), embedded ? Optional.of((short) 1) : Optional.empty());
        try {
            admin.createTopics(List.of(newTopic)).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
        }
    }

    private void awaitGroup(List<ConsumerWorker> workers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int wanted = Math.min(workers.size(), options.partitions());
        while (System.nanoTime() < deadline) {
            int total = workers.stream().mapToInt(ConsumerWorker::assigned).sum();
            long members = workers.stream().filter(w -> w.assigned() > 0).count();
            if (total == options.partitions() && members >= wanted) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the consumer group did not form within 60 s");
    }

    /** Waits until the group committed the end of every partition (and the crash happened). */
    private boolean awaitEnd(
            Admin admin, String topic, String group, List<ConsumerWorker> workers, DemoStats stats, Ledger ledger)
            throws InterruptedException {
        long deadline = System.nanoTime() + CONSUME_TIMEOUT.toNanos();
        long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        boolean crashReported = false;
        while (System.nanoTime() < deadline) {
            long lag = lag(admin, topic, group);
            @Nullable
            String crash = workers.stream()
                    .map(ConsumerWorker::crashReport)
                    .filter(r -> r != null)
                    .findFirst()
                    .orElse(null);
            if (crash != null && !crashReported) {
                out.println("  !! " + crash + "; the group rebalances");
                crashReported = true;
            }
            if (lag == 0) {
                progress(stats, ledger, lag);
                return true;
            }
            if (System.nanoTime() > nextProgress) {
                progress(stats, ledger, lag);
                nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
            Thread.sleep(100);
        }
        return false;
    }

    private void progress(DemoStats stats, Ledger ledger, long lag) {
        out.printf(
                "  delivered %,d  processed %,d  dropped %,d  lag %,d%n",
                stats.delivered(), ledger.distinctEvents(), stats.dropped(), lag);
    }

    private static long lag(Admin admin, String topic, String group) throws InterruptedException {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
            admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            long lag = 0;
            for (var e : admin.listOffsets(request).all().get().entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (ExecutionException e) {
            return Long.MAX_VALUE;
        }
    }
}
