package io.github.kdedup.kafka;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.DuplicateCause;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records the integration's metrics as Micrometer meters. This is the only class of kdedup that
 * touches Micrometer (an optional dependency), so kdedup runs without it on the class path.
 *
 * <p>Every meter has the tag {@code namespace}:
 *
 * <ul>
 *   <li>{@code kdedup.claims} (counter, tag {@code outcome}: claimed, reclaimed, duplicate);
 *   <li>{@code kdedup.duplicates} (counter, tag {@code cause}: republished, redelivered, retried;
 *       retried copies are processed again, the others dropped);
 *   <li>{@code kdedup.fingerprint.mismatches} (counter);
 *   <li>{@code kdedup.lease.takeovers} (counter: in-progress claims taken over, RECLAIMED);
 *   <li>{@code kdedup.keys.missing} (counter, tag {@code policy}: process, skip, fail);
 *   <li>{@code kdedup.pass.through} (counter: records processed without dedup because the store was
 *       unavailable);
 *   <li>{@code kdedup.store.errors} (counter, tag {@code operation});
 *   <li>{@code kdedup.store.latency} (timer, tags {@code operation} and {@code result}: ok, error).
 * </ul>
 *
 * <p>Each meter is looked up once per namespace and tag values and kept, so recording a claim costs one
 * map lookup by namespace (the claim's counters sit in an array by outcome and cause), not a
 * registration and not a key list per record. Thread-safe.
 */
public final class MicrometerDedupMetrics implements DedupMetrics {

    private final MeterRegistry registry;
    /** Meters by name and tags, so that each is registered once, not once per record. */
    private final Map<List<String>, Meter> meters = new ConcurrentHashMap<>();

    // Per namespace, the counters claimed() touches, filled on first use so that a meter is registered
    // only once something is counted: outcomes by ordinal, then causes by ordinal, then takeovers and
    // mismatches. A racy fill is harmless, since counter() returns the one meter of a name and tags.
    private static final int CAUSES = ClaimOutcome.values().length;
    private static final int TAKEOVERS = CAUSES + DuplicateCause.values().length;
    private static final int MISMATCHES = TAKEOVERS + 1;
    private final Map<String, Counter[]> claimCounters = new ConcurrentHashMap<>();

    private MicrometerDedupMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Records into the given registry.
     *
     * @param registry the registry
     * @return the metrics
     */
    public static MicrometerDedupMetrics of(MeterRegistry registry) {
        return new MicrometerDedupMetrics(registry);
    }

    /** Records into {@link Metrics#globalRegistry}, as {@code kdedup.metrics=global} does. */
    public static MicrometerDedupMetrics global() {
        return new MicrometerDedupMetrics(Metrics.globalRegistry);
    }

    @Override
    public void claimed(String namespace, ClaimResult result) {
        Counter[] counters = claimCounters.computeIfAbsent(namespace, n -> new Counter[MISMATCHES + 1]);
        ClaimOutcome outcome = result.outcome();
        Counter claims = counters[outcome.ordinal()];
        if (claims == null) {
            claims = counter("kdedup.claims", namespace, "outcome", lower(outcome.name()));
            counters[outcome.ordinal()] = claims;
        }
        claims.increment();
        if (outcome == ClaimOutcome.CLAIMED) {
            return; // a fresh claim has no cause, no takeover and no fingerprint to compare
        }
        DuplicateCause cause = result.cause().orElseThrow();
        Counter duplicates = counters[CAUSES + cause.ordinal()];
        if (duplicates == null) {
            duplicates = counter("kdedup.duplicates", namespace, "cause", lower(cause.name()));
            counters[CAUSES + cause.ordinal()] = duplicates;
        }
        duplicates.increment();
        if (outcome == ClaimOutcome.RECLAIMED) {
            counted(counters, TAKEOVERS, "kdedup.lease.takeovers", namespace);
        }
        if (result.fingerprintMismatch()) {
            counted(counters, MISMATCHES, "kdedup.fingerprint.mismatches", namespace);
        }
    }

    private void counted(Counter[] counters, int slot, String name, String namespace) {
        Counter counter = counters[slot];
        if (counter == null) {
            counter = counter(name, namespace);
            counters[slot] = counter;
        }
        counter.increment();
    }

    @Override
    public void missingKey(String namespace, MissingKeyPolicy policy) {
        counter("kdedup.keys.missing", namespace, "policy", lower(policy.name()))
                .increment();
    }

    @Override
    public void passedThrough(String namespace, int records) {
        counter("kdedup.pass.through", namespace).increment(records);
    }

    @Override
    public void storeCall(String namespace, String operation, long nanos, boolean failed) {
        String result = failed ? "error" : "ok";
        Timer timer = (Timer) meters.computeIfAbsent(
                List.of("kdedup.store.latency", namespace, operation, result),
                k -> Timer.builder("kdedup.store.latency")
                        .tag("namespace", namespace)
                        .tag("operation", operation)
                        .tag("result", result)
                        .register(registry));
        timer.record(nanos, TimeUnit.NANOSECONDS);
        if (failed) {
            counter("kdedup.store.errors", namespace, "operation", operation).increment();
        }
    }

    /** Returns the counter of a name and tags (name, namespace, then tag name/value pairs), registered once. */
    private Counter counter(String name, String namespace, String... tags) {
        List<String> id = new ArrayList<>(tags.length + 2);
        id.add(name);
        id.add(namespace);
        id.addAll(Arrays.asList(tags));
        return (Counter) meters.computeIfAbsent(id, k -> Counter.builder(name)
                .tag("namespace", namespace)
                .tags(tags)
                .register(registry));
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
