package io.github.kdedup.examples.demo;

import io.github.kdedup.DuplicateCause;
import io.github.kdedup.kafka.CompletionMode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one demo run, and how it prints. Immutable. Every printed number is one a reader
 * can check against the others: the log holds the events plus their republished copies; every
 * delivered record was handled, dropped as a duplicate, or left unhandled by the consumer that
 * died; the handler calls are the distinct events plus the repeats.
 *
 * @param options what was run
 * @param storeDescription the store used, or {@code null} with dedup off
 * @param eventsProduced unique events written
 * @param recordsInLog records written (events plus republished copies)
 * @param recordsDelivered records returned by polls, over all consumers
 * @param eventsProcessed distinct events the ledger booked
 * @param bookings handler calls that booked an event
 * @param duplicates counts by cause (RETRIED: in-progress records taken over and handled)
 * @param examples a few examples per cause
 * @param unhandled records delivered to the consumer that died, neither handled nor dropped
 * @param handledBeforeCrash records the dying consumer handled in its last batch
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
        long unhandled,
        long handledBeforeCrash,
        long eventsLost,
        long processedTwice,
        @Nullable String crash,
        Duration consumeTime,
        boolean complete) {

    /**
     * Returns whether the run kept its promise: the counts add up, nothing was lost, and with dedup
     * on nothing was booked twice beyond what the completion mode allows.
     */
    public boolean passed() {
        return complete && addsUp() && eventsLost == 0 && (!options.dedup() || processedTwice <= allowedTwice());
    }

    /** Returns whether delivered = handled + dropped + unhandled. */
    public boolean addsUp() {
        return recordsDelivered == bookings + dropped() + unhandled;
    }

    /**
     * Returns how many events the completion mode may book twice after this run's crash: none per
     * record (the crash hits a handler before it returns), the handled part of the crashed poll per
     * batch (those claims were never completed, so the next owner takes them over).
     */
    public long allowedTwice() {
        return options.completion() == CompletionMode.PER_BATCH ? handledBeforeCrash : 0;
    }

    /** Returns the duplicates dropped (republished plus redelivered; retried records were handled). */
    public long dropped() {
        return duplicates.get(DuplicateCause.REPUBLISHED) + duplicates.get(DuplicateCause.REDELIVERED);
    }

    /** Returns the handler calls beyond the first of each event. */
    public long repeats() {
        return bookings - eventsProcessed;
    }

    /**
     * Prints the report.
     *
     * @param out where to
     */
    public void print(PrintWriter out) {
        out.println();
        out.println("kdedup demo report (dedup "
                + (options.dedup()
                        ? "on, " + storeDescription + ", completion "
                                + options.completion()
                                        .name()
                                        .toLowerCase(java.util.Locale.ROOT)
                                        .replace('_', '-')
                        : "OFF")
                + ")");
        out.println("-".repeat(72));
        row(out, "events produced", eventsProduced, "unique event ids");
        row(
                out,
                "records in the log",
                recordsInLog,
                "= " + eventsProduced + " events + " + (recordsInLog - eventsProduced) + " republished copies");
        row(
                out,
                "records delivered",
                recordsDelivered,
                "= " + recordsInLog + " in the log + " + (recordsDelivered - recordsInLog) + " read again");
        sub(out, "handled", bookings, "handler calls");
        if (options.dedup()) {
            sub(out, "dropped", dropped(), "duplicates the handler never saw");
            cause(out, "republished", DuplicateCause.REPUBLISHED, "same event id, new offset");
            cause(out, "redelivered", DuplicateCause.REDELIVERED, "same offset, already completed");
        }
        if (crash != null || unhandled > 0) {
            sub(out, "unhandled", unhandled, "in the crashed batch: delivered, then its consumer died");
        }
        out.printf(
                "  %-26s %10s   delivered %d %s handled %d + dropped %d + unhandled %d%n",
                "adds up",
                addsUp() ? "OK" : "NO",
                recordsDelivered,
                addsUp() ? "=" : "!=",
                bookings,
                dropped(),
                unhandled);
        row(
                out,
                "events processed",
                eventsProcessed,
                "distinct events handled; handler calls " + bookings + " = " + eventsProcessed + " + " + repeats()
                        + " repeats");
        if (options.dedup() && (crash != null || duplicates.get(DuplicateCause.RETRIED) > 0)) {
            sub(
                    out,
                    "retried",
                    duplicates.get(DuplicateCause.RETRIED),
                    "of the handled: claimed by the consumer that died, taken over once");
            for (String example : examples.get(DuplicateCause.RETRIED)) {
                out.println("        " + example);
            }
        }
        row(out, "events lost", eventsLost, eventsLost == 0 ? "OK" : "FAILED: events never processed");
        row(out, "processed more than once", processedTwice, twiceNote());
        double seconds = Math.max(consumeTime.toMillis(), 1) / 1000.0;
        out.printf(
                "  %-26s %10.0f   records/s (%d records in %.1f s, %d consumers)%n",
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
        } else if (processedTwice > 0 && !options.dedup()) {
            out.println("RESULT: nothing lost, but " + processedTwice + " events processed more than once (" + repeats()
                    + " repeated handler calls, dedup off)");
        } else if (processedTwice > 0) {
            out.println("RESULT: OK, nothing lost; " + processedTwice
                    + " events processed twice, the per-batch window of the crashed poll");
        } else {
            out.println("RESULT: OK, each event processed exactly once");
        }
    }

    private String twiceNote() {
        if (processedTwice == 0) {
            return "OK";
        }
        String repeatsNote = repeats() == processedTwice ? "" : " (" + repeats() + " repeats: some more than twice)";
        if (!options.dedup()) {
            return "the problem" + repeatsNote + ": run with --dedup on to process each event once";
        }
        if (processedTwice <= allowedTwice()) {
            return "OK for per-batch: at most the " + handledBeforeCrash + " handled records of the crashed poll";
        }
        return "FAILED" + repeatsNote;
    }

    private static void row(PrintWriter out, String label, long value, String note) {
        out.printf("  %-26s %10d   %s%n", label, value, note);
    }

    private static void sub(PrintWriter out, String label, long value, String note) {
        out.printf("    %-24s %10d   %s%n", label, value, note);
    }

    private void cause(PrintWriter out, String label, DuplicateCause cause, String note) {
        out.printf("      %-22s %10d   %s%n", label, duplicates.get(cause), note);
        for (String example : examples.get(cause)) {
            out.println("          " + example);
        }
    }
}
