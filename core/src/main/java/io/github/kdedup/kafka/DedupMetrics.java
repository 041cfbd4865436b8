package io.github.kdedup.kafka;

import io.github.kdedup.ClaimResult;

/**
 * Receives the counts and timings of the Kafka integration. {@link #NOOP} by default; {@link
 * MicrometerDedupMetrics} records them as Micrometer meters. Implementations must be thread-safe
 * and must not throw.
 */
public interface DedupMetrics {

    /** Records nothing. */
    DedupMetrics NOOP = new DedupMetrics() {};

    /**
     * One claim was answered.
     *
     * @param namespace the namespace
     * @param result the result
     */
    default void claimed(String namespace, ClaimResult result) {}

    /**
     * A record had no readable key.
     *
     * @param namespace the namespace
     * @param policy what was done with it
     */
    default void missingKey(String namespace, MissingKeyPolicy policy) {}

    /**
     * Records were processed without dedup because the store was unavailable.
     *
     * @param namespace the namespace
     * @param records how many
     */
    default void passedThrough(String namespace, int records) {}

    /**
     * A store call ended.
     *
     * @param namespace the namespace
     * @param operation {@code claim}, {@code complete} or {@code release}
     * @param nanos how long it took
     * @param failed whether it threw
     */
    default void storeCall(String namespace, String operation, long nanos, boolean failed) {}
}
