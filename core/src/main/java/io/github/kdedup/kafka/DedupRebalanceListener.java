package io.github.kdedup.kafka;

import java.util.Collection;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Settles the {@link PendingClaims} of a plain {@code KafkaConsumer} at a rebalance, so that the
 * claims of revoked partitions do not wait for their lease: the claims below the committed offsets
 * are completed and the others released, and the partition's next owner claims the uncommitted
 * records afresh.
 *
 * <pre>{@code
 * PendingClaims pending = new PendingClaims(engine);
 * consumer.subscribe(topics, new DedupRebalanceListener(pending, myCommittingListener));
 * // per poll: pending.track(engine.decide(records)); process; consumer.commitSync(offsets);
 * //           pending.committed(offsets);
 * }</pre>
 *
 * <p>The application's own listener (usually the one that commits the processed offsets) runs first,
 * so that what it commits counts as committed here; for that, the offsets it commits must also be
 * passed to {@link PendingClaims#committed} (a {@code commitSync} through the consumer does that when
 * the pending claims are the interceptor's; otherwise call it after the commit). Lost partitions
 * (the group moved on without this consumer) are settled the same way, after the application's
 * {@code onPartitionsLost}.
 *
 * <p>Kafka calls it on the consuming thread; {@link PendingClaims} is thread-safe anyway. A store
 * failure is logged by {@link PendingClaims}, never thrown into the rebalance.
 */
public final class DedupRebalanceListener implements ConsumerRebalanceListener {

    private final PendingClaims pending;
    private final @Nullable ConsumerRebalanceListener delegate;

    /**
     * Creates the listener.
     *
     * @param pending the claims of this consumer
     * @param delegate the application's own listener, called first, or {@code null}
     */
    public DedupRebalanceListener(PendingClaims pending, @Nullable ConsumerRebalanceListener delegate) {
        this.pending = Objects.requireNonNull(pending, "pending");
        this.delegate = delegate;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (delegate != null) {
            delegate.onPartitionsRevoked(partitions);
        }
        if (!partitions.isEmpty()) {
            pending.revoked(partitions);
        }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        if (delegate != null) {
            delegate.onPartitionsLost(partitions);
        }
        if (!partitions.isEmpty()) {
            pending.revoked(partitions);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (delegate != null) {
            delegate.onPartitionsAssigned(partitions);
        }
    }
}
