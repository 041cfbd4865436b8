package io.github.kdedup.kafka;

/** What to do when the store cannot answer a claim ({@code kdedup.on-store-unavailable}). */
public enum StoreUnavailablePolicy {
    /**
     * Fail (the default): the poll throws (interceptor) or the store exception is thrown before any
     * handler ran (processor). Nothing is skipped or lost as long as the application does not commit
     * past the failed batch.
     */
    FAIL,
    /** Deliver or handle the whole batch without dedup; every such record is counted. */
    PASS_THROUGH
}
