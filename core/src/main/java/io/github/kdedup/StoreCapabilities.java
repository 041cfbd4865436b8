package io.github.kdedup;

/**
 * What a store can do. Immutable and thread-safe.
 *
 * @param maxBatchSize the most requests one backend call takes; {@link AbstractIdempotencyStore}
 *     splits larger batches into calls of this size
 * @param shared whether several store instances (in one or many processes) opened on the same
 *     backend see the same records; false for an in-memory store
 */
public record StoreCapabilities(int maxBatchSize, boolean shared) {

    /** Checks that the batch size is positive. */
    public StoreCapabilities {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
        }
    }
}
