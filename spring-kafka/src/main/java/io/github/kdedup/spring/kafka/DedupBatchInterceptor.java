package io.github.kdedup.spring.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.listener.BatchInterceptor;

/**
 * Drops duplicates before a batch listener sees them: claims the batch in one store call and hands
 * on the records to process (the poll's next offsets kept), or {@code null} when none is left. When
 * the listener returns, the claims of the batch are marked handled and completed together after the
 * poll ({@link #clearThreadState}), before the container's next offset commit. A listener that throws
 * keeps the claims: the redelivered records reclaim them (same origin). With a {@code
 * BatchListenerFailedException}, the error handler commits the records before the failed one; their
 * claims are completed at that commit.
 *
 * <p>Stateless and thread-safe, like {@link DedupRecordInterceptor}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class DedupBatchInterceptor<K, V> implements BatchInterceptor<K, V> {

    @Override
    public @Nullable ConsumerRecords<K, V> intercept(ConsumerRecords<K, V> records, Consumer<K, V> consumer) {
        return ConsumerSession.require().decide(records);
    }

    @Override
    public void success(ConsumerRecords<K, V> records, Consumer<K, V> consumer) {
        ConsumerSession session = ConsumerSession.current();
        if (session != null) {
            session.handled(records);
        }
    }

    @Override
    public void clearThreadState(Consumer<?, ?> consumer) {
        ConsumerSession session = ConsumerSession.current();
        if (session != null) {
            session.flush();
        }
    }
}
