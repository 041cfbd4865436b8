package io.github.kdedup.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.IdempotencyStoreException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claims a consumer holds until their offsets are committed, and the one place that applies the
 * commit rule:
 *
 * <ul>
 *   <li>at a commit, every claim <em>below</em> the committed offset of its partition is completed;
 *   <li>a claim whose offset is committed, or whose record is {@linkplain #handled handled}, is
 *       <em>never released</em>: when its completion fails it is kept and completed again at every
 *       later completion, commit and at {@link #close()}; if the store is still down then, it stays
 *       IN_PROGRESS until its lease ends (a republished copy is dropped until then);
 *   <li>only claims at or above the committed offset and not handled (<em>undecided</em>) are released
 *       ({@link #close()}, {@link #revoked}), so that the redelivery of their records claims them
 *       afresh; or, with {@link Undecided#LEAVE_TO_LEASE}, left in progress until their lease ends.
 * </ul>
 *
 * <p>Two ways to use it. The {@link DedupConsumerInterceptor} completes only at commits: {@link
 * #track} the owned decisions of a poll, call {@link #committed} after each offset commit, {@link
 * #revoked} when partitions go away and {@link #close()} at the end. An integration that knows when a
 * record's processing returned (a Spring Kafka container, whose listener returns before the offset
 * commit) also marks it {@link #handled} and calls {@link #completeHandled()} before the commit, so
 * that a redelivery after a crash between the two is recognised; a handled claim is then settled like
 * a committed one. Without {@link #handled} calls the behaviour is the interceptor's.
 *
 * <p>A caller that is told of no commit and reads the committed offsets itself (a Kafka Streams
 * processor) {@link #add adds} each claim with its input offset, asks for the committed offsets of
 * the {@link #partitions()} it holds claims on, passes them to {@link #committed}, and at the end
 * calls {@link #close(Map, Undecided)} with the offsets read last.
 *
 * <p>Thread-safe: every method is synchronized, so commit callbacks on other threads are safe. Store
 * calls go through the {@link DedupEngine} (metrics) while the lock is held; they are bounded in time
 * by the store. A store failure is logged, never thrown, because these calls run in Kafka callbacks
 * ({@code onCommit}, {@code close}, rebalance listeners) that must not fail the consumer. No argument
 * may be {@code null}.
 */
public final class PendingClaims {

    private static final Logger LOG = LoggerFactory.getLogger(PendingClaims.class);

    /** What {@link #revoked(Collection, Undecided)} and {@link #close(Undecided)} do with undecided claims. */
    public enum Undecided {
        /**
         * Release them, so that the next delivery of their records claims them at once. Right when
         * nothing of their processing can still become visible (a plain consumer, a Spring container).
         */
        RELEASE,
        /**
         * Leave them IN_PROGRESS until their lease ends: the redelivery of the same record reclaims
         * them (RECLAIMED, same origin) and a republished copy is dropped until then. Right when the
         * caller cannot know whether their effects are still being decided, as a Kafka Streams task
         * whose output sits in a transaction that another thread commits or aborts.
         */
        LEAVE_TO_LEASE
    }

    /** The claims read at one offset: one per record, several when one record became several events. */
    private static final class Held {
        final Claim claim;

        @Nullable
        List<Claim> more;
        /** The record's processing returned: complete, never release. */
        boolean handled;

        Held(Claim claim) {
            this.claim = claim;
        }

        void addTo(List<Claim> out) {
            out.add(claim);
            if (more != null) {
                out.addAll(more);
            }
        }

        int size() {
            return more == null ? 1 : 1 + more.size();
        }
    }

    private final DedupEngine engine;
    /** Per partition, by offset, the claims whose offsets are not known to be committed. */
    private final Map<TopicPartition, NavigableMap<Long, Held>> uncommitted = new HashMap<>();
    /** Claims to complete (committed or handled) whose completion failed; completed again later. */
    private final List<Claim> toComplete = new ArrayList<>();
    /** Per partition, the last committed offset seen. */
    private final Map<TopicPartition, Long> committedOffsets = new HashMap<>();
    /** Whether some held claim is handled, so that {@link #completeHandled()} skips the scan otherwise. */
    private boolean anyHandled;

    /**
     * Creates an empty tracker.
     *
     * @param engine the engine whose claims these are
     */
    public PendingClaims(DedupEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /**
     * Tracks the claims of the {@link Verdict#OWNED} decisions of a poll. A claim tracked at an offset
     * already held replaces what was held there: the same record was claimed again, which fenced the
     * earlier token.
     *
     * @param decisions decisions grouped by partition, as {@link DedupEngine#decide(
     *     org.apache.kafka.clients.consumer.ConsumerRecords)} answers them
     * @param <K> the key type
     * @param <V> the value type
     */
    public synchronized <K, V> void track(Map<TopicPartition, List<Decision<K, V>>> decisions) {
        decisions.forEach((partition, list) -> track(partition, list));
    }

    /**
     * Tracks the claims of the {@link Verdict#OWNED} decisions of one partition, like {@link
     * #track(Map)}.
     *
     * @param partition the partition of every decision's record
     * @param decisions the decisions of records of that partition
     * @param <K> the key type
     * @param <V> the value type
     */
    public synchronized <K, V> void track(TopicPartition partition, List<Decision<K, V>> decisions) {
        NavigableMap<Long, Held> claims = null;
        for (Decision<K, V> d : decisions) {
            if (d.verdict() == Verdict.OWNED) {
                if (claims == null) {
                    claims = uncommitted.computeIfAbsent(partition, p -> new TreeMap<>());
                }
                claims.put(d.record().offset(), new Held(d.claim()));
            }
        }
    }

    /**
     * Adds one more claim taken for the record at {@code offset}, keeping those already held there:
     * for callers that claim several events per input record (an upstream {@code flatMap}).
     *
     * @param partition the input partition
     * @param offset the input record's offset
     * @param claim the claim
     */
    public synchronized void add(TopicPartition partition, long offset, Claim claim) {
        Objects.requireNonNull(claim, "claim");
        NavigableMap<Long, Held> claims = uncommitted.computeIfAbsent(partition, p -> new TreeMap<>());
        Held held = claims.get(offset);
        if (held == null) {
            claims.put(offset, new Held(claim));
        } else {
            if (held.more == null) {
                held.more = new ArrayList<>(2);
            }
            held.more.add(claim);
        }
    }

    /**
     * Marks the claims of the record at {@code offset} handled: its processing returned, so they are
     * completed by the next {@link #completeHandled()} (or commit, revocation, close) and never
     * released. Nothing happens when no claim is held there (a dropped duplicate, a skipped record).
     *
     * @param partition the record's partition
     * @param offset the record's offset
     */
    public synchronized void handled(TopicPartition partition, long offset) {
        NavigableMap<Long, Held> claims = uncommitted.get(partition);
        if (claims != null) {
            Held held = claims.get(offset);
            if (held != null) {
                held.handled = true;
                anyHandled = true;
            }
        }
    }

    /**
     * Completes the handled claims, and those a failed completion left, in one store call. Call it
     * before the offsets of the handled records are committed. A store failure is logged; the claims
     * are kept and completed again at the next call, commit, revocation and at {@link #close()}.
     */
    public synchronized void completeHandled() {
        if (anyHandled) {
            for (NavigableMap<Long, Held> claims : uncommitted.values()) {
                claims.values().removeIf(h -> {
                    if (h.handled) {
                        h.addTo(toComplete);
                    }
                    return h.handled;
                });
            }
            uncommitted.values().removeIf(Map::isEmpty);
            anyHandled = false;
        }
        if (toComplete.isEmpty()) {
            return;
        }
        int count = toComplete.size();
        try {
            completeAll(true);
        } catch (IdempotencyStoreException e) {
            LOG.warn(
                    "could not complete {} claims of processed records; retrying at the next completion, commit and "
                            + "close (until then they stay in progress and their keys stay protected): {}",
                    count,
                    e.getMessage());
        }
    }

    /**
     * Forgets the claims of a partition at and after an offset that are not handled, because the
     * partition is read again from there (a seek back): the records are claimed anew (RECLAIMED, same
     * origin), which fences these tokens. Handled claims are kept: their records were processed.
     *
     * @param partition the partition
     * @param offset the first offset read again
     */
    public synchronized void rewound(TopicPartition partition, long offset) {
        NavigableMap<Long, Held> claims = uncommitted.get(partition);
        if (claims != null) {
            NavigableMap<Long, Held> tail = claims.tailMap(offset, true);
            if (anyHandled) {
                tail.values().removeIf(h -> !h.handled);
            } else {
                tail.clear();
            }
        }
    }

    /**
     * Completes every claim below the committed offsets, handled or not (and those a failed completion
     * left), after a successful offset commit. A store failure is logged; the claims are kept and
     * completed again at the next commit and at {@link #close()}.
     *
     * @param offsets the committed offsets: the next offset to read per partition
     */
    public synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : offsets.entrySet()) {
            long offset = entry.getValue().offset();
            committedOffsets.merge(entry.getKey(), offset, Math::max);
            NavigableMap<Long, Held> claims = uncommitted.get(entry.getKey());
            if (claims != null) {
                NavigableMap<Long, Held> below = claims.headMap(offset, false);
                below.values().forEach(h -> h.addTo(toComplete));
                below.clear();
            }
        }
        uncommitted.values().removeIf(Map::isEmpty);
        if (toComplete.isEmpty()) {
            return;
        }
        int count = toComplete.size();
        try {
            completeAll(false);
        } catch (IdempotencyStoreException e) {
            LOG.warn(
                    "could not complete {} claims whose offsets are committed; retrying at the next commit and at "
                            + "close (until then they stay in progress and their keys stay protected): {}",
                    count,
                    e.getMessage());
        }
    }

    /**
     * Settles the claims of partitions this consumer no longer owns: the committed and handled ones
     * are completed, the others released. Same as {@code revoked(partitions, Undecided.RELEASE)}.
     *
     * @param partitions the revoked (or lost) partitions
     */
    public void revoked(Collection<TopicPartition> partitions) {
        revoked(partitions, Undecided.RELEASE);
    }

    /**
     * Settles the claims of partitions this consumer no longer owns: the committed and handled ones
     * are completed; the undecided ones are released or left to their lease, as {@code undecided}
     * says.
     *
     * @param partitions the revoked (or lost) partitions
     * @param undecided what to do with the claims neither committed nor handled
     */
    public synchronized void revoked(Collection<TopicPartition> partitions, Undecided undecided) {
        List<Claim> release = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            settle(partition, release);
        }
        finish(release, undecided, "revoked partitions " + partitions, false);
    }

    /**
     * Settles every claim at the end: the claims whose offsets are committed, and the handled ones, are
     * completed (or left in progress until their lease when the store is down), the others released.
     * The tracker is empty afterwards. Same as {@code close(Undecided.RELEASE)}.
     */
    public void close() {
        close(Undecided.RELEASE);
    }

    /**
     * Settles every claim at the end, like {@link #close()}, doing with the undecided claims what
     * {@code undecided} says. The tracker is empty afterwards.
     *
     * @param undecided what to do with the claims neither committed nor handled
     */
    public synchronized void close(Undecided undecided) {
        List<Claim> release = new ArrayList<>();
        for (TopicPartition partition : new ArrayList<>(uncommitted.keySet())) {
            settle(partition, release);
        }
        finish(release, undecided, "close", true);
        anyHandled = false;
    }

    /**
     * Settles every claim at the end, like {@link #close(Undecided)}, after taking {@code offsets} as
     * committed: the claims below them are completed together with every other claim to complete, in
     * one store call. Calling {@link #committed} and then {@link #close(Undecided)} settles the same
     * claims, but calls the store a second time when the first completion failed. The tracker is empty
     * afterwards.
     *
     * <p>Atomic: the offsets are taken and the claims settled under the lock every method holds, so no
     * claim is added or completed in between. Neither the map, its keys or values, nor {@code
     * undecided} may be {@code null}.
     *
     * @param offsets the committed offsets, the next offset to read per partition, for the partitions
     *     known; a partition left out keeps the committed offset last seen
     * @param undecided what to do with the claims neither committed nor handled
     */
    public synchronized void close(Map<TopicPartition, OffsetAndMetadata> offsets, Undecided undecided) {
        Objects.requireNonNull(undecided, "undecided");
        offsets.forEach((partition, offset) -> {
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(offset, "offset");
        });
        offsets.forEach((partition, offset) -> committedOffsets.merge(partition, offset.offset(), Math::max));
        close(undecided);
    }

    /**
     * Returns the partitions on which claims are held whose offsets are not known to be committed:
     * those whose committed offsets are worth asking for. The claims left by a failed completion are
     * not counted (they need no offset); {@link #committed} completes them whatever offsets it is
     * given, even none.
     *
     * <p>Thread-safe; the answer is a snapshot, never {@code null}, and a later call may differ.
     *
     * @return a new set, owned by the caller; empty when no such claim is held
     */
    public synchronized Set<TopicPartition> partitions() {
        Set<TopicPartition> partitions = new HashSet<>();
        uncommitted.forEach((partition, claims) -> {
            if (!claims.isEmpty()) {
                partitions.add(partition);
            }
        });
        return partitions;
    }

    /**
     * Returns whether no claim is held, neither tracked nor left by a failed completion: {@code size()
     * == 0}, without counting the claims, so cheap enough for a check at every commit. Thread-safe; a
     * snapshot, which a later call may contradict.
     *
     * @return whether no claim is held
     */
    public synchronized boolean isEmpty() {
        if (!toComplete.isEmpty()) {
            return false;
        }
        for (NavigableMap<Long, Held> claims : uncommitted.values()) {
            if (!claims.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Returns how many claims are held, not yet completed or released; for tests and diagnostics. */
    public synchronized int size() {
        int size = toComplete.size();
        for (NavigableMap<Long, Held> claims : uncommitted.values()) {
            for (Held held : claims.values()) {
                size += held.size();
            }
        }
        return size;
    }

    /** Moves the claims of a partition: committed or handled ones to {@link #toComplete}, the others to release. */
    private void settle(TopicPartition partition, List<Claim> release) {
        NavigableMap<Long, Held> claims = uncommitted.remove(partition);
        if (claims == null) {
            return;
        }
        // A claim taken after a seek below the committed offset is committed too: complete, never release.
        long committed = committedOffsets.getOrDefault(partition, -1L);
        claims.forEach((offset, held) -> held.addTo(held.handled || offset < committed ? toComplete : release));
    }

    private void finish(List<Claim> release, Undecided undecided, String when, boolean last) {
        int count = toComplete.size();
        try {
            if (count > 0) {
                completeAll(false);
            }
        } catch (IdempotencyStoreException e) {
            if (last) {
                toComplete.clear();
                LOG.warn(
                        "could not complete {} claims whose offsets are committed or whose records were processed "
                                + "({}); they stay in progress until their lease ends ({}): a republished copy is "
                                + "dropped until then and processed after: {}",
                        count,
                        when,
                        engine.lease(),
                        e.getMessage());
            } else {
                LOG.warn(
                        "could not complete {} claims whose offsets are committed or whose records were processed "
                                + "({}); retrying at the next commit and at close: {}",
                        count,
                        when,
                        e.getMessage());
            }
        }
        if (release.isEmpty()) {
            return;
        }
        if (undecided == Undecided.LEAVE_TO_LEASE) {
            LOG.debug(
                    "left {} undecided claims in progress until their lease ends ({}, {})",
                    release.size(),
                    when,
                    engine.lease());
            return;
        }
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

    /**
     * Completes {@link #toComplete} in one store call and empties it; on a store failure it is kept and
     * the exception thrown.
     *
     * @param processed whether these are claims of handled records, whose takeover is worth a WARN
     */
    private void completeAll(boolean processed) {
        List<Boolean> completed = engine.complete(List.copyOf(toComplete));
        toComplete.clear();
        long stale = completed.stream().filter(c -> !c).count();
        if (stale == 0) {
            return;
        }
        if (processed) {
            LOG.warn(
                    "{} of {} claims were taken over before their completion (a lease ran out, or another consumer "
                            + "reclaimed the record): those events may have been processed twice",
                    stale,
                    completed.size());
        } else {
            LOG.debug("{} of {} claims were taken over before the commit (fenced)", stale, completed.size());
        }
    }
}
