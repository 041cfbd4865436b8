package io.github.kdedup.kafka;

/**
 * When the {@link DedupProcessor} completes the claims of a poll: the trade between the window in
 * which a crash makes an event run twice and the number of store calls.
 */
public enum CompletionMode {
    /**
     * Each claim right after its handler returns: one store call per record, and a crash can repeat
     * at most the one record whose handler had returned but whose completion had not. The default.
     */
    PER_RECORD,
    /**
     * All claims of a poll in one store call after the last handler returned: one call per poll, and
     * a crash can repeat every record of the poll whose handler had returned. Use it when the store
     * is remote and the handlers are idempotent enough to bear a rare repeat of one poll.
     */
    PER_BATCH
}
