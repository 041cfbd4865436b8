package io.github.kdedup.kafka;

/**
 * What to do when a duplicate's fingerprint differs from the stored one: the same key was used for a
 * different payload ({@code kdedup.on-fingerprint-mismatch}).
 */
public enum FingerprintMismatchPolicy {
    /** Treat it as a duplicate and log a warning (the default). */
    DROP,
    /** Process the record anyway, without a claim (the stored record is left unchanged). */
    PROCESS,
    /** Fail: the poll throws (interceptor) or {@link DedupPolicyException} is thrown (processor). */
    FAIL
}
