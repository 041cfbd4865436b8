package io.github.kdedup.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.IdempotencyStoreException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claims a consumer holds until their offsets are committed, and the one place that applies the
 * commit rule:
 *
 * <ul>
 *   <li>at a commit, every claim <em>below</em> the committed offset of its partition is completed;
 *   <li>a claim whose offset is committed is <em>never released</em>: when its completion fails it is
 *       kept and completed again at every later commit and at {@link #close()}; if the store is still
 *       down then, it stays IN_PROGRESS until its lease ends (a republished copy is dropped until then);
 *   <li>only claims at or above the committed offset are released ({@link #close()}, {@link
 *       #revoked}), so that the redelivery of their records claims them afresh.
 * </ul>
 *
 * <p>Used by the {@link DedupConsumerInterceptor}; framework integrations (a Spring Kafka container, a
 * {@code ConsumerRebalanceListener}, a Kafka Streams processor) use it the same way: {@link #track}
 * the owned decisions of a poll, call {@link #committed} after each offset commit, {@link #revoked}
 * when partitions go away and {@link #close()} at the end.
 *
 * <p>Thread-safe: every method is synchronized, so commit callbacks on other threads are safe. Store
 * calls go through the {@link DedupEngine} (metrics) while the lock is held; they are bounded in time
 * by the store. A store failure is logged, never thrown.
 */
public final class PendingClaims {

    private static final Logger LOG = LoggerFactory.getLogger(PendingClaims.class);

    private final DedupEngine engine;
    /** Per partition, by offset, the claims whose offsets are not known to be committed. */
    private final Map<TopicPartition, NavigableMap<Long, Claim>> uncommitted = new HashMap<>();
    /** Claims whose offsets are committed but whose completion failed; completed again later. */
    private final List<Claim> toComplete = new ArrayList<>();
    /** Per partition, the last committed offset seen. */
    private final Map<TopicPartition, Long> committedOffsets = new HashMap<>();

    /**
     * Creates an empty tracker.
     *
     * @param engine the engine whose claims these are
     */
    public PendingClaims(DedupEngine engine) {
        this.engine = engine;
    }

    /**
     * Tracks the claims of the {@link Verdict#OWNED} decisions of a poll.
     *
     * @param decisions decisions grouped by partition, as {@link DedupEngine#decide(
     *     org.apache.kafka.clients.consumer.ConsumerRecords)} answers them
     * @param <K> the key type
     * @param <V> the value type
     */
    public synchronized <K, V> void track(Map<TopicPartition, List<Decision<K, V>>> decisions) {
        decisions.forEach((partition, list) -> {
            for (Decision<K, V> d : list) {
                if (d.verdict() == Verdict.OWNED) {
                    uncommitted
                            .computeIfAbsent(partition, p -> new TreeMap<>())
                            .put(d.record().offset(), d.claim());
                }
            }
        });
    }

    /**
     * Forgets the uncommitted claims of a partition at and after an offset, because the partition is
     * read again from there (a seek back): the records are claimed anew (RECLAIMED, same origin), which
     * fences these tokens.
     *
     * @param partition the partition
     * @param offset the first offset read again
     */
    public synchronized void rewound(TopicPartition partition, long offset) {
        NavigableMap<Long, Claim> claims = uncommitted.get(partition);
        if (claims != null) {
            claims.tailMap(offset, true).clear();
        }
    }

    /**
     * Completes every claim below the committed offsets (and those a failed completion left), after a
     * successful offset commit. A store failure is logged; the claims are kept and completed again at
     * the next commit and at {@link #close()}.
     *
     * @param offsets the committed offsets: the next offset to read per partition
     */
    public synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : offsets.entrySet()) {
            long offset = entry.getValue().offset();
            committedOffsets.merge(entry.getKey(), offset, Math::max);
            NavigableMap<Long, Claim> claims = uncommitted.get(entry.getKey());
            if (claims != null) {
                NavigableMap<Long, Claim> below = claims.headMap(offset, false);
                toComplete.addAll(below.values());
                below.clear();
            }
        }
        uncommitted.values().removeIf(Map::isEmpty);
        if (toComplete.isEmpty()) {
            return;
        }
        try {
            completeCommitted();
        } catch (IdempotencyStoreException e) {
            LOG.warn(
                    "could not complete {} claims whose offsets are committed; retrying at the next commit and at "
                            + "close (until then they stay in progress and their keys stay protected): {}",
                    toComplete.size(),
                    e.getMessage());
        }
    }

    /**
     * Settles the claims of partitions this consumer no longer owns: the committed ones are completed,
     * the others released.
     *
     * @param partitions the revoked (or lost) partitions
     */
    public synchronized void revoked(Collection<TopicPartition> partitions) {
        List<Claim> release = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            settle(partition, release);
        }
        finish(release, "revoked partitions " + partitions, false);
    }

    /**
     * Settles every claim at the end: the claims whose offsets are committed are completed (or left in
     * progress until their lease when the store is down), the others released. The tracker is empty
     * afterwards.
     */
    public synchronized void close() {
        List<Claim> release = new ArrayList<>();
        for (TopicPartition partition : new ArrayList<>(uncommitted.keySet())) {
            settle(partition, release);
        }
        finish(release, "close", true);
    }

    /** Returns how many claims are held, not yet completed or released; for tests and diagnostics. */
    public synchronized int size() {
        return toComplete.size()
                + uncommitted.values().stream().mapToInt(Map::size).sum();
    }

    /** Moves the claims of a partition: committed ones to {@link #toComplete}, the others to release. */
    private void settle(TopicPartition partition, List<Claim> release) {
        NavigableMap<Long, Claim> claims = uncommitted.remove(partition);
        if (claims == null) {
            return;
        }
        // A claim taken after a seek below the committed offset is committed too: complete, never release.
        long committed = committedOffsets.getOrDefault(partition, -1L);
        toComplete.addAll(claims.headMap(committed, false).values());
        release.addAll(claims.tailMap(committed, true).values());
    }

    private void finish(List<Claim> release, String when, boolean last) {
        int count = toComplete.size();
        try {
            if (count > 0) {
                completeCommitted();
            }
        } catch (IdempotencyStoreException e) {
            if (last) {
                toComplete.clear();
                LOG.warn(
                        "could not complete {} claims whose offsets are committed ({}); they stay in progress until "
                                + "their lease ends ({}): a republished copy is dropped until then and processed "
                                + "after: {}",
                        count,
                        when,
                        engine.lease(),
                        e.getMessage());
            } else {
                LOG.warn(
                        "could not complete {} claims whose offsets are committed ({}); retrying at the next commit "
                                + "and at close: {}",
                        count,
                        when,
                        e.getMessage());
            }
        }
        if (!release.isEmpty()) {
            try {
                engine.release(release);
            } catch (IdempotencyStoreException e) {
                LOG.warn(
                        "could not release {} claims above the committed offsets ({}); they stay in progress until "
                                + "their lease ends ({}), and a redelivery of their records reclaims them: {}",
                        release.size(),
                        when,
                        engine.lease(),
                        e.getMessage());
            }
        }
    }

    private void completeCommitted() {
        List<Boolean> completed = engine.complete(List.copyOf(toComplete));
        long stale = completed.stream().filter(c -> !c).count();
        if (stale > 0) {
            LOG.debug("{} of {} claims were taken over before the commit (fenced)", stale, completed.size());
        }
        toComplete.clear();
    }
}
