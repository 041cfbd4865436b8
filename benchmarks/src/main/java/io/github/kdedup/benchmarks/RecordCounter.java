package io.github.kdedup.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts the records a consumer benchmark consumed, so that JMH reports records per second (the
 * secondary result {@code records}, which {@link Summary} reads) next to invocations per second.
 *
 * <p>One instance per benchmark thread (JMH's {@code Scope.Thread}); not thread-safe.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class RecordCounter {

    /** Records consumed in this iteration. */
    public long records;

    /** Starts each iteration at zero. */
    @Setup(Level.Iteration)
    public void reset() {
        records = 0;
    }
}
