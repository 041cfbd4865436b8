package io.github.kdedup.spring.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.listener.RecordInterceptor;

/**
 * Drops duplicates before a record listener sees them: on the first record of a poll it claims the
 * whole poll in one store call ({@link ConsumerSession}); it answers {@code null} for a duplicate, so
 * the container skips (and acknowledges) it. When the listener returns, the record's claim is marked
 * handled; after the poll's last record ({@link #clearThreadState}) the handled claims are completed in
 * one store call, before the container's next offset commit. A listener that throws keeps its claim:
 * the error handler's redelivery of the same record reclaims it (same origin) and the listener runs
 * again.
 *
 * <p>A store failure under {@code on-store-unavailable=fail} is thrown from {@link #intercept}, inside
 * the container's listener invocation, so the container's error handler handles it like a listener
 * failure (retry after seeking back).
 *
 * <p>Stateless and thread-safe: one instance serves every consumer of a container; each call works on
 * the session of the consumer of the calling thread.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class DedupRecordInterceptor<K, V> implements RecordInterceptor<K, V> {

    @Override
    public @Nullable ConsumerRecord<K, V> intercept(ConsumerRecord<K, V> record, Consumer<K, V> consumer) {
        return ConsumerSession.require().decide(record) ? record : null;
    }

    @Override
    public void success(ConsumerRecord<K, V> record, Consumer<K, V> consumer) {
        ConsumerSession session = ConsumerSession.current();
        if (session != null) {
            session.handled(record);
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
