package io.github.kdedup;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a claim found in the store when it did not simply claim a fresh key: enough to say
 * "duplicate of orders-3@1042, processed by consumer-1" and to compare fingerprints. It carries no
 * token, so that nobody can complete or release another owner's claim with it. Immutable and
 * thread-safe.
 *
 * @param state the state of the record found
 * @param origin where the copy that holds the record came from
 * @param owner who holds (or completed) the record
 * @param fingerprint the fingerprint stored with the record, or {@code null} when none was given
 */
public record ExistingRecord(ClaimState state, Origin origin, String owner, @Nullable String fingerprint) {

    /** Checks that the required components are present. */
    public ExistingRecord {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(owner, "owner");
    }
}
