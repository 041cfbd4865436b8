package io.github.kdedup;

/**
 * Why the same event reached a consumer again. Naming the cause answers "why do I see this event
 * twice?": a republish is a producer-side problem, a redelivery or a retry a consumer-side one.
 */
public enum DuplicateCause {
    /** The event was written to the log twice: same key, different origin. */
    REPUBLISHED,
    /** The same record was read again after it was completed: same key, same origin. */
    REDELIVERED,
    /**
     * The same record came back while its earlier attempt was still in progress (a crash or a
     * rebalance before completion): the claim was taken over and the record is processed again.
     */
    RETRIED
}
