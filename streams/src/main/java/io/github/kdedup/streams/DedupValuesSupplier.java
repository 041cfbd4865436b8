package io.github.kdedup.streams;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Creates kdedup's processor for {@code KStream#processValues}: one per task, all sharing the store
 * and one reader of the committed offsets per application. Made by {@link StreamsDedup}; immutable and
 * thread-safe.
 *
 * <p>The store given by URI ({@code kdedup.store}) is opened when the first task starts and closed when
 * the last one closes (so {@code KafkaStreams.close()} leaves nothing open); a store given as an
 * instance is never closed here.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class DedupValuesSupplier<K, V> implements FixedKeyProcessorSupplier<K, V, V> {

    private final DedupConfig config;
    private final boolean marking;
    private final @Nullable Duration commitCheckInterval;
    private final SharedResources resources;

    DedupValuesSupplier(DedupConfig config, @Nullable IdempotencyStore store, boolean marking) {
        this(config, marking, null, new SharedResources(store, config.store()));
    }

    private DedupValuesSupplier(
            DedupConfig config, boolean marking, @Nullable Duration commitCheckInterval, SharedResources resources) {
        this.config = config;
        this.marking = marking;
        this.commitCheckInterval = commitCheckInterval;
        this.resources = resources;
    }

    /**
     * Returns a supplier that checks for committed offsets at another interval than the application's
     * {@code commit.interval.ms} (the default). Shorter completes claims sooner at the cost of more
     * offset reads (one request per interval per application instance, whatever the number of tasks).
     *
     * @param interval at least 10 ms
     * @return a new supplier; this one is unchanged
     * @throws IllegalArgumentException when the interval is shorter than 10 ms
     */
    public DedupValuesSupplier<K, V> withCommitCheckInterval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.toMillis() < 10) {
            throw new IllegalArgumentException("the commit check interval must be at least 10 ms, not " + interval);
        }
        return new DedupValuesSupplier<>(config, marking, interval, resources);
    }

    @Override
    public FixedKeyProcessor<K, V, V> get() {
        return new DedupValuesProcessor<>(this);
    }

    DedupConfig config() {
        return config;
    }

    boolean marking() {
        return marking;
    }

    Optional<Duration> commitCheckInterval() {
        return Optional.ofNullable(commitCheckInterval);
    }

    SharedResources resources() {
        return resources;
    }

    @Override
    public String toString() {
        return "kdedup " + (marking ? "markDuplicates" : "dropDuplicates") + " " + config;
    }
}
