package io.github.kdedup.examples.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * One member of the demo's consumer group, on its own thread: poll, hand the poll to the dedup step,
 * commit. Partitions stay paused until {@code started} is set, so that the whole group is formed
 * before anybody reads. The victim dies in the middle of its first batch of two or more records,
 * before that batch's commit.
 */
final class ConsumerWorker implements Runnable {

    private static final int MAX_POLL_RECORDS = 100;

    private final KafkaConsumer<String, String> consumer;
    private final String name;
    private final String topic;
    private final DedupStep step;
    private final Ledger ledger;
    private final DemoStats stats;
    private final AtomicBoolean started;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final boolean victim;
    private volatile int assigned;
    private volatile @Nullable String crashReport;
    private int handledInBatch;
    private int batchSize;

    ConsumerWorker(
            String bootstrapServers,
            String groupId,
            String name,
            String topic,
            DedupStep step,
            Ledger ledger,
            DemoStats stats,
            AtomicBoolean started,
            boolean victim) {
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                groupId,
                ConsumerConfig.CLIENT_ID_CONFIG,
                name,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                MAX_POLL_RECORDS,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class));
        this.name = name;
        this.topic = topic;
        this.step = step;
        this.ledger = ledger;
        this.stats = stats;
        this.started = started;
        this.victim = victim;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic), new PauseUntilStarted());
            Consumer<ConsumerRecord<String, String>> handler = this::handle;
            while (running.get()) {
                ConsumerRecords<String, String> polled = consumer.poll(Duration.ofMillis(100));
                assigned = consumer.assignment().size();
                if (started.get() && !consumer.paused().isEmpty()) {
                    consumer.resume(consumer.paused());
                }
                if (polled.isEmpty()) {
                    continue;
                }
                List<ConsumerRecord<String, String>> records = new ArrayList<>(polled.count());
                polled.forEach(records::add);
                stats.delivered(records.size());
                batchSize = records.size();
                handledInBatch = 0;
                try {
                    step.process(records, handler);
                } catch (SimulatedCrash crash) {
                    // Die the way a killed process does: no commit, no release; closing leaves the group
                    // at once, so the others get its partitions and read its uncommitted records again.
                    assigned = 0;
                    stats.crashed(handledInBatch, batchSize);
                    consumer.close();
                    return;
                }
                consumer.commitSync();
            }
            consumer.close();
        } finally {
            assigned = 0;
            step.close();
        }
    }

    private void handle(ConsumerRecord<String, String> record) {
        if (victim && crashReport == null && batchSize >= 2 && handledInBatch == batchSize / 2) {
            String at = record.topic() + "-" + record.partition() + "@" + record.offset();
            crashReport = name + " crashed while handling " + at + ", after " + handledInBatch + " of " + batchSize
                    + " records of its batch and before its commit";
            throw new SimulatedCrash(at);
        }
        handledInBatch++;
        ledger.apply(KdedupStep.eventId(record));
        stats.handled();
    }

    /** Returns the number of partitions this member holds, 0 once it stopped. */
    int assigned() {
        return assigned;
    }

    /** Returns what the crash did, or {@code null} when this member did not crash. */
    @Nullable
    String crashReport() {
        return crashReport;
    }

    /** Asks the thread to close its consumer and return after the current poll. */
    void stop() {
        running.set(false);
    }

    private final class PauseUntilStarted implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!started.get()) {
                consumer.pause(partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
    }
}
