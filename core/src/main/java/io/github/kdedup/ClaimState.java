package io.github.kdedup;

/** The state of a stored claim record. */
public enum ClaimState {
    /** Claimed and not yet completed; protected by its lease until it expires. */
    IN_PROGRESS,
    /** Processed; remembered for the retention window. */
    COMPLETED
}
