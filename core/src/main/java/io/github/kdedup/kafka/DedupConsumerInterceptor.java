package io.github.kdedup.kafka;

import io.github.kdedup.IdempotencyStoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops duplicate events from every poll of a {@code KafkaConsumer}, configured only through
 * consumer properties: {@code interceptor.classes=io.github.kdedup.kafka.DedupConsumerInterceptor}
 * and the {@code kdedup.*} properties of {@link DedupConfig} ({@code kdedup.store} is required; the
 * namespace defaults to {@code group.id}).
 *
 * <h2>What it does</h2>
 *
 * <ol>
 *   <li>{@code onConsume} claims the keys of the whole poll in one store call and returns the
 *       records minus the duplicates. The returned {@code ConsumerRecords} carry the poll's original
 *       next offsets, so positions and {@code commitSync()} stay right even when every record of a
 *       partition was dropped.
 *   <li>The claims it took stay IN_PROGRESS (protected by {@code kdedup.lease}) until the offsets
 *       are committed: {@code onCommit} completes every pending claim below each committed offset.
 *   <li>{@code onClose} completes the claims whose offsets were committed (a completion that failed
 *       at commit is retried there) and releases only the claims above the committed offsets, so the
 *       next delivery of those records claims them afresh. A claim whose offset is committed is never
 *       released: if the store is still down at close, it stays in progress until its lease ends.
 * </ol>
 *
 * <p>The commit rule is {@link PendingClaims}'s; the claim path is {@link DedupEngine}'s.
 *
 * <h2>Guarantee and window</h2>
 *
 * A claim is completed only at commit, because the interceptor cannot see when the application has
 * processed a record. So:
 *
 * <ul>
 *   <li>A republished copy (same key, other offset) is dropped while the first copy is in progress
 *       or completed, within the retention.
 *   <li>A crash between processing and commit leaves IN_PROGRESS claims; the redelivery of the same
 *       record RECLAIMs them (same origin) and the record is processed again, counted as {@code
 *       retried}: at-least-once for redeliveries, as Kafka itself. When the consumer is closed
 *       without committing, its uncommitted claims are released and the redelivery is claimed afresh.
 *   <li>On a rebalance the interceptor is not told which partitions were revoked. Pending claims of
 *       a revoked partition are left as they are: the new owner re-reads the uncommitted records,
 *       reclaims them (same origin) and processes them; the stale tokens left here are fenced, so a
 *       later commit or close here changes nothing. A pending claim is forgotten here when its
 *       partition is read again from an earlier offset.
 *   <li>The {@code record processor} ({@link DedupProcessor}) completes each claim right after the
 *       handler, which closes the window to the instant between the handler and the completion.
 * </ul>
 *
 * <h2>Failures</h2>
 *
 * When a policy chooses to fail (store unavailable: the default; missing key or fingerprint
 * mismatch set to {@code fail}), {@code poll} throws {@link PollAbortedError} and delivers nothing of
 * that poll. Kafka has already moved the position past it: do not commit; seek to the committed
 * offsets or close the consumer. Until the held-back records come again, each poll that returns
 * later records of those partitions throws again, so no record is skipped. A failed completion at
 * commit is logged and retried at the next commit.
 *
 * <p>The owner of the claims is the consumer's {@code client.id} plus a random instance id. The
 * store is opened by URI and shared by all consumers in the JVM that name the same URI. Kafka calls
 * an interceptor from the consuming thread; the methods are synchronized anyway, so that commit
 * callbacks on other threads are safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public class DedupConsumerInterceptor<K, V> implements ConsumerInterceptor<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(DedupConsumerInterceptor.class);

    private @Nullable DedupEngine engine;
    private @Nullable PendingClaims pending;
    private SharedStores.@Nullable Handle handle;
    /** Per partition, the first offset of a batch that was not delivered because a policy failed. */
    private final Map<TopicPartition, Long> heldBack = new HashMap<>();

    /** Creates the interceptor; Kafka then calls {@link #configure(Map)}. */
    public DedupConsumerInterceptor() {}

    @Override
    public synchronized void configure(Map<String, ?> configs) {
        DedupConfig config = DedupConfig.fromProperties(configs);
        if (config.namespace() == null) {
            throw new ConfigException(DedupConfig.NAMESPACE + " is not set and the consumer has no "
                    + ConsumerConfig.GROUP_ID_CONFIG + "; set one of them");
        }
        String owner = DedupEngine.newOwner(configs.get(ConsumerConfig.CLIENT_ID_CONFIG), "consumer");
        SharedStores.Handle h = SharedStores.acquire(Objects.requireNonNull(config.store(), DedupConfig.STORE));
        this.handle = h;
        this.engine = DedupEngine.create(h.store(), config, owner);
        this.pending = new PendingClaims(engine);
        LOG.info(
                "kdedup interceptor {} ready on {} (namespace {})",
                owner,
                h.store().description(),
                engine.namespace());
    }

    @Override
    public synchronized ConsumerRecords<K, V> onConsume(ConsumerRecords<K, V> records) {
        DedupEngine engine = requireConfigured();
        PendingClaims pending = Objects.requireNonNull(this.pending);
        if (records.isEmpty()) {
            return records;
        }
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<K, V>> list = records.records(partition);
            if (list.isEmpty()) {
                continue;
            }
            long first = list.get(0).offset();
            Long held = heldBack.get(partition);
            if (held != null) {
                if (first > held) {
                    throw new PollAbortedError(
                            "records of " + partition + " from offset " + held + " were never delivered because an "
                                    + "earlier poll failed; seek " + partition + " back to its committed offset (or "
                                    + "close the consumer without committing) before polling on",
                            new IllegalStateException("offset " + first + " polled while " + held + " is held back"));
                }
                heldBack.remove(partition);
            }
            // A partition read again from an earlier offset: those claims are taken anew below.
            pending.rewound(partition, first);
        }
        Map<TopicPartition, List<Decision<K, V>>> decisions;
        try {
            decisions = engine.decide(records);
        } catch (IdempotencyStoreException | DedupPolicyException e) {
            for (TopicPartition partition : records.partitions()) {
                List<ConsumerRecord<K, V>> list = records.records(partition);
                if (!list.isEmpty()) {
                    heldBack.merge(partition, list.get(0).offset(), Math::min);
                }
            }
            throw new PollAbortedError(
                    "kdedup could not deduplicate a poll of " + records.count() + " records, so none was delivered: "
                            + e.getMessage() + ". Do not commit; seek to the committed offsets (or close the "
                            + "consumer) and poll again",
                    e);
        }
        pending.track(decisions);
        Map<TopicPartition, List<ConsumerRecord<K, V>>> kept = new LinkedHashMap<>();
        decisions.forEach((partition, list) -> {
            // One list per partition, sized once, rather than a map lookup per record.
            List<ConsumerRecord<K, V>> keep = new ArrayList<>(list.size());
            for (Decision<K, V> d : list) {
                if (d.verdict().process()) {
                    keep.add(d.record());
                }
            }
            if (!keep.isEmpty()) {
                kept.put(partition, keep);
            }
        });
        return new ConsumerRecords<>(kept, records.nextOffsets());
    }

    @Override
    public synchronized void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        requireConfigured();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : offsets.entrySet()) {
            long committed = entry.getValue().offset();
            Long held = heldBack.get(entry.getKey());
            if (held != null && committed > held) {
                LOG.error(
                        "offset {} of {} was committed although the records from {} were never delivered "
                                + "(a poll failed): they are lost for this group unless you seek back",
                        committed,
                        entry.getKey(),
                        held);
            }
        }
        Objects.requireNonNull(pending).committed(offsets);
    }

    @Override
    public synchronized void close() {
        PendingClaims claims = this.pending;
        if (engine == null || claims == null) {
            return;
        }
        try {
            claims.close();
        } finally {
            this.engine = null;
            this.pending = null;
            SharedStores.Handle h = handle;
            handle = null;
            if (h != null) {
                h.close();
            }
        }
    }

    /** Returns how many claims this consumer holds, not yet completed; for tests and diagnostics. */
    public synchronized int pendingClaims() {
        PendingClaims claims = this.pending;
        return claims == null ? 0 : claims.size();
    }

    private DedupEngine requireConfigured() {
        DedupEngine e = engine;
        if (e == null) {
            throw new IllegalStateException("the interceptor is not configured (or closed)");
        }
        return e;
    }
}
