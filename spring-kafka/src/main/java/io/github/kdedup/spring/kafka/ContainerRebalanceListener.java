package io.github.kdedup.spring.kafka;

import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * Settles the claims of revoked or lost partitions: the container commits the processed offsets at
 * revocation first, then this completes the claims of processed (or committed) records and releases
 * the others, so that the partition's next owner claims them afresh instead of waiting for their
 * lease. Calls the application's own rebalance listener, if any, around it, as the container would.
 *
 * <p>Thread-safe; the container calls it on the consumer thread.
 */
final class ContainerRebalanceListener implements ConsumerAwareRebalanceListener {

    private final @Nullable ConsumerRebalanceListener delegate;

    ContainerRebalanceListener(@Nullable ConsumerRebalanceListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (delegate instanceof ConsumerAwareRebalanceListener aware) {
            aware.onPartitionsRevokedBeforeCommit(consumer, partitions);
        } else if (delegate != null) {
            delegate.onPartitionsRevoked(partitions);
        }
    }

    @Override
    public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        settle(partitions);
        if (delegate instanceof ConsumerAwareRebalanceListener aware) {
            aware.onPartitionsRevokedAfterCommit(consumer, partitions);
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        settle(partitions);
        if (delegate instanceof ConsumerAwareRebalanceListener aware) {
            aware.onPartitionsLost(consumer, partitions);
        } else if (delegate != null) {
            delegate.onPartitionsLost(partitions);
        }
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (delegate instanceof ConsumerAwareRebalanceListener aware) {
            aware.onPartitionsAssigned(consumer, partitions);
        } else if (delegate != null) {
            delegate.onPartitionsAssigned(partitions);
        }
    }

    private static void settle(Collection<TopicPartition> partitions) {
        ConsumerSession session = ConsumerSession.current();
        if (session != null && !partitions.isEmpty()) {
            session.revoked(partitions);
        }
    }
}
