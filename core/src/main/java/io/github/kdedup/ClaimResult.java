package io.github.kdedup;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The answer to one {@link ClaimRequest}. Immutable and thread-safe.
 *
 * <ul>
 *   <li>{@link ClaimOutcome#CLAIMED}: {@link #claim()} gives the new claim; {@link #existing()} is
 *       empty.
 *   <li>{@link ClaimOutcome#RECLAIMED}: {@link #claim()} gives the new claim; {@link #existing()} is
 *       the abandoned in-progress record, whose token is now fenced.
 *   <li>{@link ClaimOutcome#DUPLICATE}: there is no claim; {@link #existing()} is the record that
 *       makes this a duplicate.
 * </ul>
 */
public final class ClaimResult {

    private final ClaimRequest request;
    private final ClaimOutcome outcome;
    private final @Nullable String token;
    private final @Nullable ExistingRecord existing;

    private ClaimResult(
            ClaimRequest request, ClaimOutcome outcome, @Nullable String token, @Nullable ExistingRecord existing) {
        this.request = Objects.requireNonNull(request, "request");
        this.outcome = outcome;
        this.token = token;
        this.existing = existing;
    }

    /**
     * A fresh claim.
     *
     * @param request the request
     * @param token the new token
     * @return the result
     */
    public static ClaimResult claimed(ClaimRequest request, String token) {
        return new ClaimResult(request, ClaimOutcome.CLAIMED, requireToken(token), null);
    }

    /**
     * A takeover of an abandoned claim of the same origin.
     *
     * @param request the request
     * @param token the new token
     * @param previous the abandoned record
     * @return the result
     */
    public static ClaimResult reclaimed(ClaimRequest request, String token, ExistingRecord previous) {
        return new ClaimResult(
                request, ClaimOutcome.RECLAIMED, requireToken(token), Objects.requireNonNull(previous, "previous"));
    }

    /**
     * A duplicate.
     *
     * @param request the request
     * @param existing the record that makes it a duplicate
     * @return the result
     */
    public static ClaimResult duplicate(ClaimRequest request, ExistingRecord existing) {
        return new ClaimResult(request, ClaimOutcome.DUPLICATE, null, Objects.requireNonNull(existing, "existing"));
    }

    private static String requireToken(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("token must not be empty");
        }
        return token;
    }

    /** Returns the request this result answers. */
    public ClaimRequest request() {
        return request;
    }

    /** Returns the outcome. */
    public ClaimOutcome outcome() {
        return outcome;
    }

    /** Returns whether the caller now owns the key (CLAIMED or RECLAIMED) and must process the event. */
    public boolean owns() {
        return outcome.owns();
    }

    /**
     * Returns the claim to complete or release.
     *
     * @return the claim
     * @throws IllegalStateException when the outcome is DUPLICATE
     */
    public Claim claim() {
        if (token == null) {
            throw new IllegalStateException("a DUPLICATE result holds no claim: " + this);
        }
        return new Claim(request.namespace(), request.key(), token);
    }

    /** Returns the record found in the store, empty for a fresh CLAIMED. */
    public Optional<ExistingRecord> existing() {
        return Optional.ofNullable(existing);
    }

    /**
     * Returns why the event came again, empty for a fresh CLAIMED: {@code RETRIED} for RECLAIMED;
     * for a DUPLICATE, {@code REDELIVERED} when the record found has this request's origin and
     * {@code REPUBLISHED} when it has another.
     */
    public Optional<DuplicateCause> cause() {
        if (existing == null) {
            return Optional.empty();
        }
        if (outcome == ClaimOutcome.RECLAIMED) {
            return Optional.of(DuplicateCause.RETRIED);
        }
        return Optional.of(
                existing.origin().equals(request.origin()) ? DuplicateCause.REDELIVERED : DuplicateCause.REPUBLISHED);
    }

    /**
     * Returns whether the request and the record found both have a fingerprint and they differ: the
     * same key was used for a different payload.
     */
    public boolean fingerprintMismatch() {
        return existing != null
                && existing.fingerprint() != null
                && request.fingerprint() != null
                && !existing.fingerprint().equals(request.fingerprint());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClaimResult other
                && request.equals(other.request)
                && outcome == other.outcome
                && Objects.equals(token, other.token)
                && Objects.equals(existing, other.existing);
    }

    @Override
    public int hashCode() {
        return Objects.hash(request, outcome, token, existing);
    }

    /** Describes the result without the token, e.g. {@code DUPLICATE ns/k of orders-3@1042 (COMPLETED)}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder()
                .append(outcome)
                .append(' ')
                .append(request.namespace())
                .append('/')
                .append(request.key())
                .append(" at ")
                .append(request.origin());
        if (existing != null) {
            s.append(" of ")
                    .append(existing.origin())
                    .append(" (")
                    .append(existing.state())
                    .append(" by ")
                    .append(existing.owner())
                    .append(')');
        }
        return s.toString();
    }
}
