package io.github.kdedup.examples.demo;

import io.github.kdedup.DuplicateCause;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters that the consumer threads update and the progress line and report read. Thread-safe. */
public final class DemoStats {

    private static final int EXAMPLES_PER_CAUSE = 3;

    private final LongAdder delivered = new LongAdder();
    private final LongAdder processed = new LongAdder();
    private final LongAdder unhandled = new LongAdder();
    private final LongAdder handledBeforeCrash = new LongAdder();
    private final Map<DuplicateCause, LongAdder> byCause = new EnumMap<>(DuplicateCause.class);
    private final Map<DuplicateCause, List<String>> examples = new EnumMap<>(DuplicateCause.class);

    /** Creates zeroed counters. */
    public DemoStats() {
        for (DuplicateCause cause : DuplicateCause.values()) {
            byCause.put(cause, new LongAdder());
            examples.put(cause, new ArrayList<>());
        }
    }

    void delivered(int records) {
        delivered.add(records);
    }

    void handled() {
        processed.increment();
    }

    /**
     * Counts the records of a batch its consumer died in: those it handled before the crash, and
     * the rest (the record it died on, the ones after it, and the duplicates the batch held, whose
     * outcomes were never reported).
     */
    void crashed(int handledInBatch, int batchSize) {
        handledBeforeCrash.add(handledInBatch);
        unhandled.add(batchSize - handledInBatch);
    }

    /**
     * Counts a duplicate (or, for {@link DuplicateCause#RETRIED}, a takeover) and keeps the first few
     * as examples.
     *
     * @param cause why the event came again
     * @param eventId the event id
     * @param at where this copy sits, such as {@code orders-2@517}
     * @param of where the copy that holds the record sits
     */
    public void duplicate(DuplicateCause cause, String eventId, String at, String of) {
        byCause.get(cause).increment();
        List<String> list = examples.get(cause);
        synchronized (list) {
            if (list.size() < EXAMPLES_PER_CAUSE) {
                list.add(
                        cause == DuplicateCause.RETRIED
                                ? "event " + eventId + " at " + at
                                        + " was in progress when its consumer died: taken over"
                                : "event " + eventId + " at " + at + " is a duplicate of " + of);
            }
        }
    }

    /** Returns the records returned by polls, over all consumers. */
    public long delivered() {
        return delivered.sum();
    }

    /** Returns the records handed to the handler. */
    public long processed() {
        return processed.sum();
    }

    /** Returns the records delivered to a consumer that died before it handled or dropped them. */
    public long unhandled() {
        return unhandled.sum();
    }

    /** Returns the records the crashed consumer handled in its last batch, before it died. */
    public long handledBeforeCrash() {
        return handledBeforeCrash.sum();
    }

    /** Returns the count for one cause. */
    public long duplicates(DuplicateCause cause) {
        return byCause.get(cause).sum();
    }

    /** Returns the duplicates dropped: republished plus redelivered (retried records are processed). */
    public long dropped() {
        return duplicates(DuplicateCause.REPUBLISHED) + duplicates(DuplicateCause.REDELIVERED);
    }

    /** Returns a copy of the examples for one cause. */
    public List<String> examples(DuplicateCause cause) {
        List<String> list = examples.get(cause);
        synchronized (list) {
            return List.copyOf(list);
        }
    }
}
