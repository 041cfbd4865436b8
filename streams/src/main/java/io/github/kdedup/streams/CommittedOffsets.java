package io.github.kdedup.streams;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns which input offsets of a Kafka Streams application are committed, by reading the offsets
 * its group ({@code application.id}) has committed through an {@link Admin} client. This is how the
 * processor knows when a claim may be completed, because Kafka Streams tells processors nothing about
 * commits.
 *
 * <h2>Why this is exactly what was committed</h2>
 *
 * <ul>
 *   <li>Under {@code exactly_once_v2} Streams commits the input offsets inside the producer's
 *       transaction ({@code sendOffsetsToTransaction}). The group coordinator keeps such offsets
 *       pending, invisible to offset fetches, until the transaction's commit marker is written; an
 *       aborted transaction's offsets are discarded. So an offset read here belongs to a committed
 *       transaction, and so does the output of every record below it: the output and the offsets
 *       commit atomically.
 *   <li>The reads do not ask for {@link ListConsumerGroupOffsetsOptions#requireStable stable}
 *       offsets on purpose: a stable read of a partition whose offsets sit in a transaction being
 *       committed fails for that partition ({@code UNSTABLE_OFFSET_COMMIT}, logged at WARN by the
 *       Admin client at every commit), while a plain read answers the last offset whose transaction
 *       committed, which is all this needs: a lagging answer only delays a completion. Only
 *       {@link #readNow} (at a task's close, the last chance to complete) asks for stable offsets and
 *       asks again until the commit Streams has just made is visible.
 *   <li>Under {@code at_least_once} Streams commits offsets with the consumer after flushing the
 *       producer, so an offset read here means that the output of every record below it was written.
 *   <li>Committed offsets only grow while the application runs; a value read earlier is at most
 *       smaller than the truth, which only delays a completion.
 * </ul>
 *
 * <h2>Cost</h2>
 *
 * One {@code OffsetFetch} request per refresh, for the union of the partitions the processors of this
 * application asked about since the previous one, at most one in flight, at most one per {@code
 * minInterval}. {@link #latest} never blocks the stream thread: it starts a refresh and answers what
 * the last finished one read. Only {@link #readNow} (at task close) waits, for at most its timeout.
 *
 * <p>Thread-safe: the processors of every stream thread of an application share one instance.
 */
final class CommittedOffsets implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CommittedOffsets.class);

    private final Admin admin;
    private final String groupId;
    private final long minIntervalNanos;
    private final Duration requestTimeout;

    /** The last committed offset read per partition (the next offset to consume). */
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    /** Partitions asked about since the last refresh started. */
    private final Set<TopicPartition> asked = new HashSet<>();

    private @Nullable KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> inFlight;
    private long lastStart = Long.MIN_VALUE / 2;
    private boolean failing;

    /**
     * Creates the reader.
     *
     * @param admin the client; closed by {@link #close()}
     * @param groupId the application id
     * @param minInterval the least time between two refreshes
     * @param requestTimeout how long one refresh may take
     */
    CommittedOffsets(Admin admin, String groupId, Duration minInterval, Duration requestTimeout) {
        this.admin = admin;
        this.groupId = groupId;
        this.minIntervalNanos = minInterval.toNanos();
        this.requestTimeout = requestTimeout;
    }

    /**
     * Answers the committed offsets last read for some partitions, and asks for a refresh of them
     * (started now when none is in flight and the interval has passed). Never blocks.
     *
     * @param partitions the partitions of interest
     * @return the next offset to consume per partition, for those known; absent means unknown
     */
    synchronized Map<TopicPartition, Long> latest(Set<TopicPartition> partitions) {
        harvest();
        asked.addAll(partitions);
        long now = System.nanoTime();
        if (inFlight == null && !asked.isEmpty() && now - lastStart >= minIntervalNanos) {
            lastStart = now;
            inFlight = admin.listConsumerGroupOffsets(Map.of(groupId, spec(asked)), options())
                    .partitionsToOffsetAndMetadata(groupId);
            asked.clear();
            harvest(); // a fast answer (or an immediate failure) is taken at once
        }
        return known(partitions);
    }

    /**
     * Reads the committed offsets of some partitions now, as a <em>stable</em> read: a partition whose
     * offsets sit in a transaction being committed is asked again until its commit marker is written,
     * so that offsets Streams has just committed (at a task's close) are seen. Waits at most the
     * request timeout in all.
     *
     * @param partitions the partitions
     * @return the next offset to consume per partition, for those the group has committed and that
     *     answered in time
     * @throws org.apache.kafka.common.KafkaException when the read failed or timed out
     */
    Map<TopicPartition, Long> readNow(Set<TopicPartition> partitions) {
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        Set<TopicPartition> unanswered = new HashSet<>(partitions);
        while (!unanswered.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> read;
            try {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                read = admin.listConsumerGroupOffsets(
                                Map.of(groupId, spec(unanswered)),
                                new ListConsumerGroupOffsetsOptions()
                                        .requireStable(true)
                                        .timeoutMs((int) left))
                        .partitionsToOffsetAndMetadata(groupId)
                        .get(left, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                throw new org.apache.kafka.common.KafkaException(
                        "could not read the committed offsets of group " + groupId + ": " + cause, cause);
            }
            synchronized (this) {
                merge(read);
            }
            // A partition left out answered UNSTABLE_OFFSET_COMMIT: its commit marker is not written yet.
            unanswered.removeAll(read.keySet());
            if (unanswered.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }
        synchronized (this) {
            return known(partitions);
        }
    }

    private ListConsumerGroupOffsetsOptions options() {
        return new ListConsumerGroupOffsetsOptions().requireStable(false).timeoutMs((int) requestTimeout.toMillis());
    }

    private static ListConsumerGroupOffsetsSpec spec(Set<TopicPartition> partitions) {
        return new ListConsumerGroupOffsetsSpec().topicPartitions(Set.copyOf(partitions));
    }

    /** Takes the answer of the refresh in flight, if it has come. */
    private void harvest() {
        KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> f = inFlight;
        if (f == null || !f.isDone()) {
            return;
        }
        inFlight = null;
        try {
            merge(f.getNow(Map.of()));
            if (failing) {
                failing = false;
                LOG.info("reading the committed offsets of group {} works again", groupId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // Claims stay in progress (protected by their lease) until a later read succeeds.
            if (!failing) {
                failing = true;
                LOG.warn(
                        "could not read the committed offsets of group {}; claims are completed once a later read "
                                + "succeeds (until then they stay in progress): {}",
                        groupId,
                        e.getCause().toString());
            }
        }
    }

    private void merge(Map<TopicPartition, OffsetAndMetadata> read) {
        read.forEach((partition, offset) -> {
            if (offset != null) {
                committed.merge(partition, offset.offset(), Math::max);
            }
        });
    }

    private Map<TopicPartition, Long> known(Set<TopicPartition> partitions) {
        Map<TopicPartition, Long> answer = new HashMap<>();
        for (TopicPartition p : partitions) {
            Long offset = committed.get(p);
            if (offset != null) {
                answer.put(p, offset);
            }
        }
        return answer;
    }

    /** Closes the Admin client, waiting at most a few seconds. */
    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
