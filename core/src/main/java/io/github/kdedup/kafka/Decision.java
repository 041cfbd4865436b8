package io.github.kdedup.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.Origin;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * The {@link DedupEngine}'s decision for one record. Immutable and thread-safe (as far as the record
 * is).
 *
 * @param record the record
 * @param verdict what to do with it
 * @param result the store's answer for {@link Verdict#OWNED} and {@link Verdict#DUPLICATE}; {@code
 *     null} for the others
 * @param <K> the key type
 * @param <V> the value type
 */
public record Decision<K, V>(ConsumerRecord<K, V> record, Verdict verdict, @Nullable ClaimResult result) {

    /** Checks the components: OWNED and DUPLICATE carry a result. */
    public Decision {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(verdict, "verdict");
        if (verdict.deduplicated() && result == null) {
            throw new IllegalArgumentException(verdict + " needs the claim result");
        }
    }

    /**
     * Returns the claim an OWNED decision holds.
     *
     * @return the claim to complete or release
     * @throws IllegalStateException when the verdict is not OWNED
     */
    public Claim claim() {
        if (verdict != Verdict.OWNED || result == null) {
            throw new IllegalStateException("a " + verdict + " decision holds no claim: " + origin());
        }
        return result.claim();
    }

    /** Returns where the record sits, {@code topic-partition@offset}. */
    public Origin origin() {
        return origin(record);
    }

    /**
     * Returns where a record sits; the one place that turns a Kafka record into an {@link Origin}.
     *
     * @param record the record
     * @return its origin
     */
    public static Origin origin(ConsumerRecord<?, ?> record) {
        return new Origin(record.topic(), record.partition(), record.offset());
    }
}
