package io.github.kdedup;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request to claim one key. Immutable and thread-safe; the constructor checks every component
 * so that a store never sees a bad request.
 *
 * @param namespace who must process the key once; see {@link IdempotencyKeys} for the limits
 * @param key the business identity of the event; see {@link IdempotencyKeys} for the limits
 * @param origin where this copy of the event sits in Kafka
 * @param owner who claims: a consumer's {@code client.id} plus an instance id; at most
 *     {@value #MAX_OWNER_LENGTH} characters, storable text ({@link IdempotencyKeys#requireStorable})
 * @param fingerprint an optional hash of the payload, at most {@value #MAX_FINGERPRINT_LENGTH}
 *     characters of storable text, or {@code null}
 * @param lease how long the in-progress claim protects the key: at least one millisecond, at most
 *     {@link #MAX_LEASE}; stores work in whole milliseconds
 */
public record ClaimRequest(
        String namespace, String key, Origin origin, String owner, @Nullable String fingerprint, Duration lease) {

    /** The longest owner. */
    public static final int MAX_OWNER_LENGTH = 255;

    /** The longest fingerprint. */
    public static final int MAX_FINGERPRINT_LENGTH = 128;

    /** The longest lease: a claim held longer than a day is a stuck consumer, not a slow one. */
    public static final Duration MAX_LEASE = Duration.ofDays(1);

    // A consumer builds every request with the same namespace and owner objects, so the last ones
    // that passed their checks are remembered and recognised by identity: their text is checked once,
    // not once per record (the key still is, as it differs). Racy on purpose: a String is immutable
    // and safely published, and a stale read only means checking again. Never null after the first
    // request, and a null argument never equals them, since null is checked first.
    private static @Nullable String checkedNamespace;
    private static @Nullable String checkedOwner;

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when a component breaks its rule
     * @throws NullPointerException when a required component is null
     */
    public ClaimRequest {
        if (namespace == null || namespace != checkedNamespace) {
            IdempotencyKeys.requireValidNamespace(namespace);
            checkedNamespace = namespace;
        }
        IdempotencyKeys.requireValidKey(key);
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(owner, "owner");
        if (owner != checkedOwner) {
            if (owner.isEmpty() || owner.length() > MAX_OWNER_LENGTH) {
                throw new IllegalArgumentException(
                        "owner must have 1 to " + MAX_OWNER_LENGTH + " characters, got " + owner.length());
            }
            IdempotencyKeys.requireStorable("owner", owner);
            checkedOwner = owner;
        }
        if (fingerprint != null && (fingerprint.isEmpty() || fingerprint.length() > MAX_FINGERPRINT_LENGTH)) {
            throw new IllegalArgumentException("fingerprint must be null or have 1 to " + MAX_FINGERPRINT_LENGTH
                    + " characters, got " + fingerprint.length());
        }
        if (fingerprint != null) {
            IdempotencyKeys.requireStorable("fingerprint", fingerprint);
        }
        requirePositiveMillis("lease", lease, MAX_LEASE);
    }

    /**
     * Checks that a duration is at least one millisecond and at most {@code max}.
     *
     * @param what the name of the setting, for the message
     * @param duration the duration
     * @param max the largest allowed value
     * @return the duration
     * @throws IllegalArgumentException when it is out of range
     */
    static Duration requirePositiveMillis(String what, Duration duration, Duration max) {
        Objects.requireNonNull(duration, what);
        if (duration.toMillis() < 1 || duration.compareTo(max) > 0) {
            throw new IllegalArgumentException(what + " must be between 1 ms and " + max + ", got " + duration + " ("
                    + duration.toMillis() + " ms)");
        }
        return duration;
    }
}
