package io.github.kdedup.examples.demo;

import io.github.kdedup.DuplicateCause;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one demo run, and how it prints. Immutable.
 *
 * @param options what was run
 * @param storeDescription the store used, or {@code null} with dedup off
 * @param eventsProduced unique events written
 * @param recordsInLog records written (events plus republished copies)
 * @param recordsDelivered records returned by polls, over all consumers
 * @param eventsProcessed distinct events the ledger booked
 * @param bookings handler calls that booked an event
 * @param duplicates counts by cause (RETRIED: in-progress records taken over and processed)
 * @param examples a few examples per cause
 * @param eventsLost events produced but never booked
 * @param processedTwice events booked more than once
 * @param crash what the crash did, or {@code null} when no consumer crashed
 * @param consumeTime from the start of consumption to the last commit
 * @param complete whether the group consumed the whole log before the time limit
 */
public record DemoReport(
        DemoOptions options,
        @Nullable String storeDescription,
        long eventsProduced,
        long recordsInLog,
        long recordsDelivered,
        long eventsProcessed,
        long bookings,
        Map<DuplicateCause, Long> duplicates,
        Map<DuplicateCause, List<String>> examples,
        long eventsLost,
        long processedTwice,
        @Nullable String crash,
        Duration consumeTime,
        boolean complete) {

    /** Returns whether the run kept its promise: nothing lost, and with dedup on nothing booked twice. */
    public boolean passed() {
        return complete && eventsLost == 0 && (!options.dedup() || processedTwice == 0);
    }

    /** Returns the duplicates dropped (republished plus redelivered). */
    public long dropped() {
        return duplicates.get(DuplicateCause.REPUBLISHED) + duplicates.get(DuplicateCause.REDELIVERED);
    }

    /**
     * Prints the report.
     *
     * @param out where to
     */
    public void print(PrintWriter out) {
        out.println();
        out.println("kdedup demo report (dedup " + (options.dedup() ? "on, " + storeDescription : "OFF") + ")");
        out.println("-".repeat(72));
        row(out, "events produced", eventsProduced, "unique event ids");
        row(out, "records in the log", recordsInLog, (recordsInLog - eventsProduced) + " republished copies");
        row(out, "records delivered", recordsDelivered, (recordsDelivered - recordsInLog) + " delivered again");
        row(out, "events processed", eventsProcessed, bookings + " handler calls");
        if (options.dedup()) {
            row(out, "duplicates dropped", dropped(), "");
            cause(out, "republished", DuplicateCause.REPUBLISHED, "same event id, new offset");
            cause(out, "redelivered", DuplicateCause.REDELIVERED, "same offset, read again");
            cause(out, "retried", DuplicateCause.RETRIED, "in progress at the crash: taken over once");
        }
        row(out, "events lost", eventsLost, eventsLost == 0 ? "OK" : "FAILED: events never processed");
        row(
                out,
                "events processed twice",
                processedTwice,
                processedTwice == 0
                        ? "OK"
                        : options.dedup() ? "FAILED" : "the problem: run with --dedup on to process each event once");
        double seconds = Math.max(consumeTime.toMillis(), 1) / 1000.0;
        out.printf(
                "  %-26s %10.0f records/s (%d records in %.1f s, %d consumers)%n",
                "throughput", recordsDelivered / seconds, recordsDelivered, seconds, options.consumers());
        if (crash != null) {
            out.println("  crash: " + crash);
        } else if (options.crash()) {
            out.println("  crash: did not happen (the victim received no batch of two records)");
        }
        if (!complete) {
            out.println("  INCOMPLETE: the group did not reach the end of the log in time");
        }
        out.println("-".repeat(72));
        if (!passed()) {
            out.println("RESULT: FAILED");
        } else if (processedTwice > 0) {
            out.println("RESULT: nothing lost, but " + processedTwice + " events processed twice (dedup off)");
        } else {
            out.println("RESULT: OK, each event processed exactly once");
        }
    }

    private static void row(PrintWriter out, String label, long value, String note) {
        out.printf("  %-26s %10d   %s%n", label, value, note);
    }

    private void cause(PrintWriter out, String label, DuplicateCause cause, String note) {
        out.printf("    %-24s %10d   %s%n", label, duplicates.get(cause), note);
        for (String example : examples.get(cause)) {
            out.println("        " + example);
        }
    }
}
