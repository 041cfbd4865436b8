package io.github.kdedup.kafka;

/** What to do with a record whose key is missing or unreadable ({@code kdedup.on-missing-key}). */
public enum MissingKeyPolicy {
    /** Process the record without dedup (the default): an event is never lost for lack of a key. */
    PROCESS,
    /** Drop the record: it is not delivered (interceptor) or not handled (processor), and counted. */
    SKIP,
    /** Fail: the poll throws (interceptor) or {@link DedupPolicyException} is thrown (processor). */
    FAIL
}
