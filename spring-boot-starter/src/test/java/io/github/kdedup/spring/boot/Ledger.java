package io.github.kdedup.spring.boot;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * What the test listeners did: per event id (the record key), how often the listener was called and
 * how often it succeeded, with planned failures. Shared by the application instances of a test.
 * Thread-safe.
 */
final class Ledger {

    final Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    /** Per event id, how many of its first attempts throw. */
    final Map<String, Integer> failures = new ConcurrentHashMap<>();

    volatile long sleepMillis;

    /** While set, every listener call waits for it before processing (bounded), to hold a consumer in its poll. */
    volatile @Nullable CountDownLatch hold;

    void handle(ConsumerRecord<String, String> record) {
        String id = record.key();
        int attempt = attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        if (attempt <= failures.getOrDefault(id, 0)) {
            throw new IllegalStateException("planned failure " + attempt + " of event " + id);
        }
        CountDownLatch gate = hold;
        if (gate != null) {
            try {
                if (!gate.await(2, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("the test never let the listener go on");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (sleepMillis > 0) {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        processed.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }

    int processed(String id) {
        AtomicInteger n = processed.get(id);
        return n == null ? 0 : n.get();
    }

    int attempts(String id) {
        AtomicInteger n = attempts.get(id);
        return n == null ? 0 : n.get();
    }

    int totalProcessed() {
        return processed.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Waits until the condition holds, then a little longer so that late extra calls show. */
    static void await(Duration timeout, BooleanSupplier condition, String what) {
        await(timeout, condition, what, () -> "");
    }

    /**
     * Waits like {@link #await(Duration, BooleanSupplier, String)}; on a timeout the failure also says
     * what {@code diagnosis} finds then (which events are missing and why), so that a failure on a
     * loaded CI machine can be understood from its report alone.
     */
    static void await(Duration timeout, BooleanSupplier condition, String what, Supplier<String> diagnosis) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + diagnosis.get());
            }
            sleep(50);
        }
        sleep(1500);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
