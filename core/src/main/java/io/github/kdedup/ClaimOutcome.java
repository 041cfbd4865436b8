package io.github.kdedup;

/** What a claim of one key decided. See {@link IdempotencyStore#claim(java.util.List)} for the rules. */
public enum ClaimOutcome {
    /** No live record existed: the caller now owns the key with a fresh token. */
    CLAIMED,
    /**
     * An in-progress record of the same origin existed: the earlier attempt was abandoned, so the
     * caller now owns the key with a new token and the old token is fenced.
     */
    RECLAIMED,
    /** A completed record, or an in-progress record of another origin, exists: do not process. */
    DUPLICATE;

    /** Returns whether this outcome gives the caller the key, so that it must process the event. */
    public boolean owns() {
        return this != DUPLICATE;
    }
}
