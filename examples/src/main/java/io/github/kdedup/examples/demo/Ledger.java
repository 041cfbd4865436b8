package io.github.kdedup.examples.demo;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's side effect: counts how many times each event was applied, the way a bank ledger
 * would book a payment. An event booked twice is the bug kdedup prevents. Thread-safe.
 */
public final class Ledger {

    private final ConcurrentHashMap<String, AtomicInteger> applications = new ConcurrentHashMap<>();

    /**
     * Books one event.
     *
     * @param eventId the event id
     */
    public void apply(String eventId) {
        applications.computeIfAbsent(eventId, k -> new AtomicInteger()).incrementAndGet();
    }

    /** Returns how many times the event was booked. */
    public int applications(String eventId) {
        AtomicInteger n = applications.get(eventId);
        return n == null ? 0 : n.get();
    }

    /** Returns the number of distinct events booked. */
    public int distinctEvents() {
        return applications.size();
    }

    /** Returns how many events were booked more than once. */
    public long bookedTwice() {
        return applications.values().stream().filter(n -> n.get() > 1).count();
    }

    /** Returns the total number of bookings. */
    public long bookings() {
        return applications.values().stream().mapToLong(AtomicInteger::get).sum();
    }

    /**
     * Returns how many of the given events were never booked.
     *
     * @param eventIds the events that were produced
     * @return the number missing
     */
    public long missing(Collection<String> eventIds) {
        return eventIds.stream().filter(id -> !applications.containsKey(id)).count();
    }
}
