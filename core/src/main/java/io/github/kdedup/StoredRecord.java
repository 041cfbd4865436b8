package io.github.kdedup;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A full stored record, as returned by {@link IdempotencyStore#find} for diagnostics. Immutable and
 * thread-safe; {@link #toString()} leaves the token out.
 *
 * @param namespace the namespace
 * @param key the stored key
 * @param state the state
 * @param token the fencing token of the current claim
 * @param owner who holds (or completed) the record
 * @param origin where the claimed copy came from
 * @param fingerprint the fingerprint, or {@code null}
 * @param expiresAt when the record expires, by the store's clock
 */
public record StoredRecord(
        String namespace,
        String key,
        ClaimState state,
        String token,
        String owner,
        Origin origin,
        @Nullable String fingerprint,
        Instant expiresAt) {

    /** Checks that the required components are present. */
    public StoredRecord {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** Returns the parts a claim reports about an existing record. */
    public ExistingRecord toExisting() {
        return new ExistingRecord(state, origin, owner, fingerprint);
    }

    @Override
    public String toString() {
        return "StoredRecord[" + namespace + "/" + key + " " + state + " origin=" + origin + " owner=" + owner
                + " fingerprint=" + fingerprint + " expiresAt=" + expiresAt + "]";
    }
}
