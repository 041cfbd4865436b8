package io.github.kdedup.kafka;

/**
 * A policy set to {@code fail} refused a record: its key was missing or unreadable, or its
 * fingerprint differed from the stored one. The message names the record's origin and the policy.
 */
public class DedupPolicyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which record, what was wrong and which property chose to fail
     */
    public DedupPolicyException(String message) {
        super(message);
    }
}
