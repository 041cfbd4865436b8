package io.github.kdedup;

import java.util.Objects;

/**
 * A claim the caller holds: the identity of the key and the fencing token of its claim. Passed to
 * {@link IdempotencyStore#complete} and {@link IdempotencyStore#release}; both act only while the
 * token is still the record's token. Immutable and thread-safe.
 *
 * @param namespace who must process the key once (for Kafka, by default the consumer group)
 * @param key the stored key
 * @param token the fencing token returned by the claim
 */
public record Claim(String namespace, String key, String token) {

    /** Checks that no component is null or empty. */
    public Claim {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(token, "token");
        if (token.isEmpty()) {
            throw new IllegalArgumentException("claim token must not be empty");
        }
    }

    /** Returns the identity without the token, as {@code namespace/key}, so it can be logged. */
    @Override
    public String toString() {
        return namespace + "/" + key;
    }
}
