package io.github.kdedup.spring.kafka;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka side of {@link ContainerDedup}: a consumer interceptor that hands each poll, each
 * successful offset commit and the consumer's close to the consumer's session. It never calls the
 * store inside {@code poll} (the claims are taken on the container thread, where a failure takes the
 * container's error path instead of being swallowed by Kafka), so it cannot fail a poll.
 *
 * <p>Installed by {@link ContainerDedup#applyTo(org.springframework.kafka.core.ConsumerFactory)},
 * which adds it to {@code interceptor.classes} and puts the {@link ContainerDedup} in the consumer
 * configuration under {@link ContainerDedup#CONFIG_KEY}. Kafka creates one instance per consumer and
 * calls it from that consumer's thread (commit callbacks may come from another; the session is
 * thread-safe).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class PollCapture<K, V> implements ConsumerInterceptor<K, V> {

    private @Nullable ConsumerSession session;

    /** Creates the interceptor; Kafka then calls {@link #configure(Map)}. */
    public PollCapture() {}

    @Override
    public void configure(Map<String, ?> configs) {
        Object dedup = configs.get(ContainerDedup.CONFIG_KEY);
        if (!(dedup instanceof ContainerDedup containerDedup)) {
            throw new ConfigException(PollCapture.class.getName() + " needs a " + ContainerDedup.class.getName()
                    + " in the consumer property " + ContainerDedup.CONFIG_KEY + "; install both with "
                    + "ContainerDedup.applyTo(consumerFactory) instead of naming the class in interceptor.classes");
        }
        this.session = containerDedup.openSession(configs);
    }

    @Override
    public ConsumerRecords<K, V> onConsume(ConsumerRecords<K, V> records) {
        requireSession().polled(records);
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        requireSession().committed(offsets);
    }

    @Override
    public void close() {
        ConsumerSession s = session;
        if (s != null) {
            s.close();
        }
    }

    private ConsumerSession requireSession() {
        ConsumerSession s = session;
        if (s == null) {
            throw new IllegalStateException("PollCapture is not configured");
        }
        return s;
    }
}
