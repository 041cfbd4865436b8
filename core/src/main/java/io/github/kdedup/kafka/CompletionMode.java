package io.github.kdedup.kafka;

/**
 * When the {@link DedupProcessor} completes the claims of a poll: the trade between the window in
 * which a crash makes an event run twice and the number of store calls (on a SQL store, database
 * transactions).
 */
public enum CompletionMode {
    /**
     * Each claim right after its handler returns: one store call per handled record, and a crash can
     * repeat at most the one record whose handler had returned but whose completion had not. Use it
     * when a repeat of more than one record per crash is not acceptable and the store is fast enough
     * for one call per record.
     */
    PER_RECORD,
    /**
     * The claims whose handlers returned are gathered and completed together in one store call,
     * written when {@value DedupProcessor#MAX_PENDING_COMPLETIONS} are waiting, when the oldest has
     * waited {@value DedupProcessor#MAX_PENDING_MILLIS} ms (checked as each handler returns), and
     * always before {@link DedupProcessor#process} returns. A crash can repeat the records whose
     * handlers had returned since the last write: at most {@value
     * DedupProcessor#MAX_PENDING_COMPLETIONS} records of one poll, handled within about {@value
     * DedupProcessor#MAX_PENDING_MILLIS} ms plus the handler that crossed it. The default.
     */
    PER_BATCH
}
