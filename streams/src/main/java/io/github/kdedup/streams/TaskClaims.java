package io.github.kdedup.streams;

import io.github.kdedup.Claim;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The claims one task holds until the offsets of their input records are committed: per input
 * partition, by offset, every claim taken for a record read at that offset (several when an upstream
 * {@code flatMap} turned one input record into several events).
 *
 * <p>The commit rule, as it applies in Kafka Streams: a claim is completed once the committed offset of
 * its partition is above its offset, and never released. Core's {@code PendingClaims} is not used here
 * for two reasons: it keeps one claim per offset, and it releases the claims above the committed offset
 * when closed, whereas a Streams processor cannot know at close whether a transaction holding their
 * output is still being decided (see {@link DedupValuesProcessor}).
 *
 * <p>Not thread-safe: a task's processor runs on one stream thread at a time.
 */
final class TaskClaims {

    private final Map<TopicPartition, NavigableMap<Long, List<Claim>>> pending = new HashMap<>();
    /** Claims whose offsets are committed but whose completion failed: completed again later. */
    private final List<Claim> committed = new ArrayList<>();

    /** Tracks the claim taken for a record read at {@code offset} of {@code partition}. */
    void add(TopicPartition partition, long offset, Claim claim) {
        NavigableMap<Long, List<Claim>> claims = pending.computeIfAbsent(partition, p -> new TreeMap<>());
        List<Claim> atOffset = claims.get(offset);
        if (atOffset == null) {
            // Mostly one claim per offset: an immutable list of one, replaced in the rare case of more
            // (an upstream flatMap), rather than an ArrayList per record.
            claims.put(offset, List.of(claim));
        } else {
            List<Claim> more = new ArrayList<>(atOffset);
            more.add(claim);
            claims.put(offset, more);
        }
    }

    /** Returns whether no claim is held. */
    boolean isEmpty() {
        return committed.isEmpty() && pending.isEmpty();
    }

    /** Returns the partitions with claims whose offsets are not known to be committed. */
    Set<TopicPartition> partitions() {
        return Set.copyOf(pending.keySet());
    }

    /**
     * Moves every claim below the committed offsets to the claims to complete, and returns all those.
     *
     * @param offsets per partition, the committed offset (the next offset to consume)
     * @return the claims to complete now; give back the ones that failed with {@link #retryLater}
     */
    List<Claim> takeCommitted(Map<TopicPartition, Long> offsets) {
        offsets.forEach((partition, next) -> {
            NavigableMap<Long, List<Claim>> claims = pending.get(partition);
            if (claims != null) {
                NavigableMap<Long, List<Claim>> below = claims.headMap(next, false);
                below.values().forEach(committed::addAll);
                below.clear();
                if (claims.isEmpty()) {
                    pending.remove(partition);
                }
            }
        });
        List<Claim> answer = List.copyOf(committed);
        committed.clear();
        return answer;
    }

    /** Keeps committed claims whose completion failed, to complete them at the next check. */
    void retryLater(List<Claim> claims) {
        committed.addAll(claims);
    }

    /** Returns how many claims are held. */
    int size() {
        return committed.size()
                + pending.values().stream()
                        .flatMap(m -> m.values().stream())
                        .mapToInt(List::size)
                        .sum();
    }

    /** Forgets every claim: they stay in progress in the store until a redelivery reclaims them or their lease ends. */
    void clear() {
        pending.clear();
        committed.clear();
    }
}
