package io.github.kdedup.spring.kafka;

import io.github.kdedup.kafka.Decision;
import io.github.kdedup.kafka.DedupEngine;
import io.github.kdedup.kafka.PendingClaims;
import io.github.kdedup.kafka.Verdict;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * The claims of one consumer of a listener container, from the poll to their end state.
 *
 * <ol>
 *   <li>{@link #polled}: the {@link PollCapture} hands over each poll (no store call inside {@code
 *       poll}, so a store failure never breaks the consumer).
 *   <li>{@link #decide(ConsumerRecord)} / {@link #decide(ConsumerRecords)}: on the first record of a
 *       poll the whole poll is claimed in one store call, on the container thread, where a store
 *       failure takes the container's normal error path (error handler, seek back, retry).
 *   <li>{@link #handled}: the listener returned for a record; {@link #flush()}, once the records of
 *       the poll went through the listener and before the container's next offset commit, completes
 *       the handled claims in one store call.
 *   <li>{@link #committed}: after an offset commit, every claim below a committed offset is
 *       completed, handled or not: a record below a committed offset was either handled or given up by
 *       the error handler (dead-lettered, logged), and both are its end state.
 *   <li>{@link #revoked} and {@link #close()}: handled and committed claims are completed; only claims
 *       of records not handled and above the committed offset are released, so that the next owner
 *       claims them afresh. A handled or committed claim is never released.
 * </ol>
 *
 * <p>The commit rule itself (what is completed when, what may be released, retrying failed
 * completions) is core's {@link PendingClaims}, in its handled mode; this class only maps the
 * container's callbacks onto it and remembers the decisions of the current poll.
 *
 * <p>Thread-safe (every method is synchronized): the container calls it from its consumer thread,
 * and a commit callback may come from another. A failed completion is logged and retried at the next
 * flush, commit, revocation or close; store calls are bounded in time by the store.
 */
final class ConsumerSession {

    /** The session of the consumer this thread runs; set at each poll by the {@link PollCapture}. */
    private static final ThreadLocal<ConsumerSession> CURRENT = new ThreadLocal<>();

    private final DedupEngine engine;
    private final boolean enabled;
    /** The latest poll, not yet decided. */
    private @Nullable List<ConsumerRecord<?, ?>> captured;
    /** The decisions of the latest poll, per partition and offset. */
    private final Map<TopicPartition, Map<Long, Decision<Object, Object>>> decisions = new HashMap<>();
    /** The claims held, and the commit rule. */
    private final PendingClaims pending;

    ConsumerSession(DedupEngine engine, boolean enabled) {
        this.engine = engine;
        this.enabled = enabled;
        this.pending = new PendingClaims(engine);
    }

    /** Returns the session of the consumer on this thread, or {@code null} when none polled here. */
    static @Nullable ConsumerSession current() {
        return CURRENT.get();
    }

    /** Returns the session of the consumer on this thread, or throws what to do when there is none. */
    static ConsumerSession require() {
        ConsumerSession session = CURRENT.get();
        if (session == null) {
            throw new IllegalStateException("kdedup's interceptor of this listener container runs on a consumer "
                    + "without kdedup's " + PollCapture.class.getSimpleName() + ": apply the same ContainerDedup "
                    + "to the container factory's consumer factory (ContainerDedup.applyTo)");
        }
        return session;
    }

    String namespace() {
        return engine.namespace();
    }

    /** A poll came back: keep it to claim on the first record, forget claims of records read again. */
    synchronized void polled(ConsumerRecords<?, ?> records) {
        CURRENT.set(this);
        if (!enabled || records.isEmpty()) {
            return;
        }
        List<ConsumerRecord<?, ?>> all = new ArrayList<>(records.count());
        for (TopicPartition partition : records.partitions()) {
            List<? extends ConsumerRecord<?, ?>> list = records.records(partition);
            if (list.isEmpty()) {
                continue;
            }
            // Read again from an earlier offset (a seek after a failure): those records are claimed anew
            // (RECLAIMED, same origin), which fences the unhandled claims held for them here.
            pending.rewound(partition, list.get(0).offset());
            all.addAll(list);
        }
        captured = all;
        decisions.clear();
    }

    /**
     * Decides a record of a record listener: the whole poll it came with is claimed at once.
     *
     * @return whether the listener should get the record
     */
    synchronized boolean decide(ConsumerRecord<?, ?> record) {
        if (!enabled) {
            return true;
        }
        List<ConsumerRecord<?, ?>> poll = captured;
        if (poll != null) {
            decideAll(poll);
            captured = null;
        }
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        Decision<Object, Object> decision =
                decisions.getOrDefault(partition, Map.of()).get(record.offset());
        if (decision == null) {
            // Not part of the poll seen (a container that replays records without polling): alone.
            decideAll(List.of(record));
            decision = decisions.get(partition).get(record.offset());
        }
        return decision.verdict().process();
    }

    /**
     * Decides the records of a batch listener in one store call.
     *
     * @return the records the listener should get (the poll's next offsets kept), or {@code null}
     *     when none is left
     */
    synchronized <K, V> @Nullable ConsumerRecords<K, V> decide(ConsumerRecords<K, V> records) {
        if (!enabled || records.isEmpty()) {
            return records;
        }
        List<ConsumerRecord<?, ?>> all = new ArrayList<>(records.count());
        records.forEach(all::add);
        captured = null;
        decideAll(all);
        Map<TopicPartition, List<ConsumerRecord<K, V>>> kept = new LinkedHashMap<>();
        int count = 0;
        for (ConsumerRecord<K, V> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            if (decisions.get(partition).get(record.offset()).verdict().process()) {
                kept.computeIfAbsent(partition, p -> new ArrayList<>()).add(record);
                count++;
            }
        }
        if (count == records.count()) {
            return records;
        }
        return count == 0 ? null : new ConsumerRecords<>(kept, records.nextOffsets());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void decideAll(List<ConsumerRecord<?, ?>> records) {
        // One store call for all of them; the engine applies the policies, counts and logs.
        List<Decision<Object, Object>> list = engine.decide((List) records);
        Map<TopicPartition, List<Decision<Object, Object>>> owned = new HashMap<>();
        for (Decision<Object, Object> d : list) {
            ConsumerRecord<?, ?> r = d.record();
            TopicPartition partition = new TopicPartition(r.topic(), r.partition());
            decisions.computeIfAbsent(partition, p -> new HashMap<>()).put(r.offset(), d);
            if (d.verdict() == Verdict.OWNED) {
                owned.computeIfAbsent(partition, p -> new ArrayList<>()).add(d);
            }
        }
        pending.track(owned);
    }

    /** The listener returned for a record (a dropped record has no claim, so nothing changes). */
    synchronized void handled(ConsumerRecord<?, ?> record) {
        pending.handled(new TopicPartition(record.topic(), record.partition()), record.offset());
    }

    /** The batch listener returned for these records. */
    synchronized void handled(ConsumerRecords<?, ?> records) {
        records.forEach(this::handled);
    }

    /** Completes the handled claims in one store call; the container's next commit comes after this. */
    synchronized void flush() {
        pending.completeHandled();
    }

    /** An offset commit succeeded: completes every claim below the committed offsets. */
    synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        pending.committed(offsets);
    }

    /** Partitions went away (the container committed first): complete what is done, release the rest. */
    synchronized void revoked(Collection<TopicPartition> partitions) {
        decisions.keySet().removeAll(partitions);
        pending.revoked(partitions);
    }

    /** The consumer closes: complete what is done, release the rest, forget this thread's link. */
    synchronized void close() {
        pending.close();
        decisions.clear();
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }

    /** Returns how many claims are held, for tests and diagnostics. */
    synchronized int heldClaims() {
        return pending.size();
    }
}
