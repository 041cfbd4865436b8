package io.github.kdedup.examples.demo;

/**
 * Thrown by the demo's handler to kill a consumer in the middle of a record, between its claim and
 * its completion. An {@link Error}, not an exception, because a crash runs no cleanup: the dedup
 * step must not release the claim (a real process that dies releases nothing either), so the claim
 * stays in progress until the record comes back to another member.
 */
public final class SimulatedCrash extends Error {

    private static final long serialVersionUID = 1L;

    /**
     * @param where the record being handled when the consumer died, such as {@code orders-2@40}
     */
    public SimulatedCrash(String where) {
        super("simulated crash while handling " + where, null, false, false);
    }
}
