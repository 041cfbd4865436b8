package io.github.kdedup.kafka;

/**
 * What {@link DedupEngine} decided for one record: the one outcome type of the Kafka integration,
 * shared by the interceptor, the {@link DedupProcessor} ({@link RecordOutcome#verdict()}) and
 * framework integrations. The store's own answer ({@link io.github.kdedup.ClaimOutcome}) is folded
 * into it together with the missing-key, store-unavailable and fingerprint-mismatch policies.
 */
public enum Verdict {
    /**
     * The caller holds a claim (CLAIMED, or RECLAIMED from an abandoned attempt of the same record):
     * process the record, then complete the claim (or release it when processing failed).
     */
    OWNED,
    /** A copy of an event in progress or completed (or a fingerprint mismatch dropped): do not process. */
    DUPLICATE,
    /**
     * Process without a claim: the key was missing ({@code on-missing-key=process}), the store could not
     * answer ({@code on-store-unavailable=pass-through}) or the fingerprint differed ({@code
     * on-fingerprint-mismatch=process}).
     */
    UNGUARDED,
    /** No readable key and {@code on-missing-key=skip}: do not process. */
    SKIPPED;

    /** Returns whether the record is to be processed (OWNED or UNGUARDED). */
    public boolean process() {
        return this == OWNED || this == UNGUARDED;
    }

    /** Returns whether the record went through a claim (OWNED or DUPLICATE). */
    public boolean deduplicated() {
        return this == OWNED || this == DUPLICATE;
    }
}
