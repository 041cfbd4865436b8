package io.github.kdedup.streams;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.kafka.DedupConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.jspecify.annotations.Nullable;

/**
 * What the processors of one supplier share, per application: the store (opened from its URI, unless
 * the user gave an instance) and the {@link CommittedOffsets} reader with its Admin client. Opened by
 * the first processor that starts and closed when the last one closes, so that nothing is left open
 * after {@code KafkaStreams.close()}; meanwhile the step is registered in {@link PollClaims} for {@link
 * DedupPollInterceptor}. Thread-safe: tasks start and stop on several stream threads.
 */
final class SharedResources {

    private final @Nullable IdempotencyStore givenStore;
    private final @Nullable String storeUri;
    private final Map<String, Entry> byApplication = new HashMap<>();
    /** The last step of each application, kept after its resources closed for what it learned. */
    private final Map<String, PollClaims.Step> lastSteps = new HashMap<>();

    SharedResources(@Nullable IdempotencyStore givenStore, @Nullable String storeUri) {
        this.givenStore = givenStore;
        this.storeUri = storeUri;
    }

    /** What one processor holds; give it back once with {@link #release}. */
    record Lease(String applicationId, IdempotencyStore store, CommittedOffsets offsets, PollClaims.Step step) {}

    /**
     * Takes one more reference to the application's resources, opening them for the first.
     *
     * @param applicationId the application id
     * @param adminFactory creates the Admin client of that application
     * @param checkInterval the least time between two reads of the committed offsets
     * @param config the step's settings, namespace resolved, for the claims taken at poll time ({@link
     *     PollClaims}); the first processor's are kept (every processor of a supplier resolves the same)
     * @return the lease
     */
    synchronized Lease acquire(
            String applicationId, Function<String, Admin> adminFactory, Duration checkInterval, DedupConfig config) {
        Entry entry = byApplication.get(applicationId);
        if (entry == null) {
            IdempotencyStore store = givenStore != null ? givenStore : IdempotencyStores.open(storeUri);
            CommittedOffsets offsets;
            try {
                offsets = new CommittedOffsets(
                        adminFactory.apply(applicationId), applicationId, checkInterval, Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                if (givenStore == null) {
                    store.close();
                }
                throw e;
            }
            PollClaims.Step last = lastSteps.get(applicationId);
            PollClaims.Step step = last == null ? new PollClaims.Step(config, store) : last.reopened(config, store);
            lastSteps.put(applicationId, step);
            entry = new Entry(new Lease(applicationId, store, offsets, step));
            byApplication.put(applicationId, entry);
            PollClaims.register(applicationId, step);
        }
        entry.references++;
        return entry.lease;
    }

    /** Gives back one reference; the last one closes what was opened here (never a store the user gave). */
    synchronized void release(Lease lease) {
        Entry entry = byApplication.get(lease.applicationId());
        if (entry == null || entry.lease != lease || --entry.references > 0) {
            return;
        }
        byApplication.remove(lease.applicationId());
        PollClaims.unregister(lease.applicationId(), lease.step());
        try {
            lease.offsets().close();
        } finally {
            if (givenStore == null) {
                lease.store().close();
            }
        }
    }

    private static final class Entry {
        final Lease lease;
        int references;

        Entry(Lease lease) {
            this.lease = lease;
        }
    }
}
