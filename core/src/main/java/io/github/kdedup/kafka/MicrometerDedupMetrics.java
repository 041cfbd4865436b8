package io.github.kdedup.kafka;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Objects;
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
 * <p>Thread-safe.
 */
public final class MicrometerDedupMetrics implements DedupMetrics {

    private final MeterRegistry registry;

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
        counter("kdedup.claims", namespace, "outcome", lower(result.outcome().name()))
                .increment();
        result.cause().ifPresent(cause -> counter("kdedup.duplicates", namespace, "cause", lower(cause.name()))
                .increment());
        if (result.outcome() == ClaimOutcome.RECLAIMED) {
            Counter.builder("kdedup.lease.takeovers")
                    .tag("namespace", namespace)
                    .register(registry)
                    .increment();
        }
        if (result.fingerprintMismatch()) {
            Counter.builder("kdedup.fingerprint.mismatches")
                    .tag("namespace", namespace)
                    .register(registry)
                    .increment();
        }
    }

    @Override
    public void missingKey(String namespace, MissingKeyPolicy policy) {
        counter("kdedup.keys.missing", namespace, "policy", lower(policy.name()))
                .increment();
    }

    @Override
    public void passedThrough(String namespace, int records) {
        Counter.builder("kdedup.pass.through")
                .tag("namespace", namespace)
                .register(registry)
                .increment(records);
    }

    @Override
    public void storeCall(String namespace, String operation, long nanos, boolean failed) {
        Timer.builder("kdedup.store.latency")
                .tag("namespace", namespace)
                .tag("operation", operation)
                .tag("result", failed ? "error" : "ok")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
        if (failed) {
            counter("kdedup.store.errors", namespace, "operation", operation).increment();
        }
    }

    private Counter counter(String name, String namespace, String tag, String value) {
        return Counter.builder(name).tag("namespace", namespace).tag(tag, value).register(registry);
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
