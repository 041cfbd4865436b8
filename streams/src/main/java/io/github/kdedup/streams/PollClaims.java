package io.github.kdedup.streams;

import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.Verdict;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Where {@link DedupPollInterceptor} leaves the decisions it took for a whole poll, and where the
 * processor of the same stream thread finds them, one record at a time.
 *
 * <h2>Two registries</h2>
 *
 * <ul>
 *   <li>The <em>steps</em>, per {@code application.id}: one per {@code processValues} step of the
 *       application running in this JVM, registered while a task of it is open. A step says which input
 *       topics its processors read ({@link Step#learn}, from the records it had to claim one by one) and
 *       which it refused (the processor found another key than the one claimed at poll time, so the
 *       topology changes the record before the step). The interceptor claims the records of a topic only
 *       when exactly one step reads it and none refused it.
 *   <li>The <em>decisions</em>, per stream thread (a {@link ThreadLocal}): Kafka Streams polls and
 *       processes on the same stream thread, so a decision is read by the thread that took it, without a
 *       lock, and two instances of one application in one JVM never see each other's decisions. When
 *       processing moves to another thread (as with Streams' experimental processing threads), the
 *       processor finds nothing and claims each record itself, as without the interceptor.
 * </ul>
 *
 * <h2>Which decision may be used</h2>
 *
 * Per partition, decisions are kept in offset order and consumed in offset order: taking the decision
 * of offset {@code n} drops those below {@code n} that were never taken (records filtered out before
 * the step; their claims stay in progress until their lease ends or a redelivery reclaims them). A poll
 * that starts at or below the last offset kept for its partition (Streams seeked back after an aborted
 * transaction or a revived task) drops what was kept for it: those decisions belong to an earlier read.
 * So at most about one poll's decisions are kept per partition, and a decision is used at most once.
 *
 * <p>Thread-safe: steps are concurrent; decisions are confined to their thread.
 */
final class PollClaims {

    private static final Map<String, List<Step>> STEPS = new ConcurrentHashMap<>();
    private static final ThreadLocal<Map<TopicPartition, ArrayDeque<Early>>> DECISIONS =
            ThreadLocal.withInitial(HashMap::new);

    private PollClaims() {}

    /**
     * One {@code processValues} step of an application: its settings (namespace resolved) and store, and
     * the input topics its processors read.
     */
    static final class Step {
        private final DedupConfig config;
        private final IdempotencyStore store;
        private final Set<String> topics;
        private final Set<String> refused;

        Step(DedupConfig config, IdempotencyStore store) {
            this(config, store, ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
        }

        private Step(DedupConfig config, IdempotencyStore store, Set<String> topics, Set<String> refused) {
            this.config = config;
            this.store = store;
            this.topics = topics;
            this.refused = refused;
        }

        /**
         * The same step over a store opened again: what it learned of its topics is kept, so that a
         * stream thread replaced after an error claims at poll time from its first poll.
         */
        Step reopened(DedupConfig config, IdempotencyStore store) {
            return new Step(config, store, topics, refused);
        }

        DedupConfig config() {
            return config;
        }

        IdempotencyStore store() {
            return store;
        }

        /** Notes that this step reads {@code topic}; the next polls claim its records ahead. */
        void learn(String topic) {
            if (!topics.contains(topic)) {
                topics.add(topic);
            }
        }

        /**
         * Stops claiming {@code topic} at poll time: what the step sees is not what was polled.
         *
         * @return true the first time
         */
        boolean refuse(String topic) {
            return refused.add(topic);
        }

        boolean reads(String topic) {
            return topics.contains(topic) && !refused.contains(topic);
        }
    }

    /**
     * A decision taken at poll time.
     *
     * @param offset the record's offset
     * @param step the step it was taken for
     * @param verdict OWNED or DUPLICATE
     * @param result the store's answer
     * @param polledAt {@link System#nanoTime()} of the poll, to tell how much of the lease is left
     */
    record Early(long offset, Step step, Verdict verdict, ClaimResult result, long polledAt) {}

    /** Registers a step of {@code applicationId}; undo with {@link #unregister}. */
    static void register(String applicationId, Step step) {
        STEPS.computeIfAbsent(applicationId, id -> new CopyOnWriteArrayList<>()).add(step);
    }

    static void unregister(String applicationId, Step step) {
        STEPS.computeIfPresent(applicationId, (id, steps) -> {
            steps.remove(step);
            return steps.isEmpty() ? null : steps;
        });
    }

    /** Returns the steps of an application, possibly none. */
    static List<Step> steps(String applicationId) {
        return STEPS.getOrDefault(applicationId, List.of());
    }

    /** Returns the only step that reads {@code topic}, or null when none or several do. */
    static @Nullable Step stepFor(List<Step> steps, String topic) {
        Step found = null;
        for (Step s : steps) {
            if (s.reads(topic)) {
                if (found != null) {
                    return null;
                }
                found = s;
            }
        }
        return found;
    }

    /**
     * Called for each partition of a poll, before its decisions are kept: drops what was kept for the
     * partition when the poll starts at or below it (an earlier read of the same offsets).
     */
    static void polled(TopicPartition partition, long firstOffset) {
        ArrayDeque<Early> kept = DECISIONS.get().get(partition);
        if (kept != null && !kept.isEmpty() && kept.peekLast().offset() >= firstOffset) {
            kept.clear();
        }
    }

    /** Keeps a decision of this thread's poll; offsets of a partition come in increasing order. */
    static void keep(TopicPartition partition, Early early) {
        DECISIONS.get().computeIfAbsent(partition, p -> new ArrayDeque<>()).addLast(early);
    }

    /**
     * Takes the decision this thread's poll took for a record, dropping the older ones never taken.
     *
     * @return the decision, or null when there is none (claim the record now)
     */
    static @Nullable Early take(TopicPartition partition, long offset) {
        ArrayDeque<Early> kept = DECISIONS.get().get(partition);
        if (kept == null) {
            return null;
        }
        Early head;
        while ((head = kept.peekFirst()) != null && head.offset() < offset) {
            kept.pollFirst();
        }
        return head != null && head.offset() == offset ? kept.pollFirst() : null;
    }

    /** Forgets this thread's decisions (its consumer closes). */
    static void clearThread() {
        DECISIONS.remove();
    }

    /** Returns how many decisions this thread keeps; for tests. */
    static int keptOnThisThread() {
        return DECISIONS.get().values().stream().mapToInt(ArrayDeque::size).sum();
    }
}
