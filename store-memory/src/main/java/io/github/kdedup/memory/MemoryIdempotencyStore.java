package io.github.kdedup.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.kdedup.AbstractIdempotencyStore;
import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.Origin;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link io.github.kdedup.IdempotencyStore} in this process's memory, on a Caffeine cache. It
 * deduplicates within one JVM only: use it for a single consumer process, for tests, or as the
 * baseline of the benchmarks. Records are lost when the process stops.
 *
 * <h2>Storage algorithm</h2>
 *
 * <ol>
 *   <li>Each (namespace, key) maps to one immutable entry: state, token, owner, origin,
 *       fingerprint and {@code expiresAt} in ticker nanoseconds.
 *   <li>Every operation on a key is one atomic step of Caffeine's map on that key, and entries are
 *       never changed in place. A claim is {@code putIfAbsent} (a new key is claimed, a live entry
 *       is returned as it is), and {@code compute} only for a reclaim of the same origin; complete
 *       and release read the entry and {@code replace} or {@code remove} exactly that entry (a
 *       compare-and-set, read again when it lost a race). A batch is a loop of such steps: atomic per
 *       key, not as a whole.
 *   <li>Expiry is per entry through Caffeine's variable expiry ({@link Expiry}): an entry lives
 *       until its own {@code expiresAt} (claim + lease, or completion + retention). An entry whose
 *       time has come is treated as absent even before Caffeine removes it.
 *   <li>Tokens are a counter of this store, in hexadecimal: the records live in this store only, so
 *       a token unique within it fences as well as a random one, and costs far less to make (hex,
 *       not base 36: {@code Long.toString(n, 36)} fills a 65-byte scratch array on every claim).
 *   <li>Time is the injected {@link Ticker} ({@link Ticker#systemTicker()} by default), so tests can
 *       move it forward instead of sleeping.
 *   <li>The cache is bounded by {@code maximumSize}. Caffeine then evicts the entries it judges
 *       least useful, possibly a recent one: each eviction of an unexpired entry forgets a key, so it
 *       is counted ({@link #evictions()}) and logged at WARN. Size the bound above the number of keys
 *       a retention window holds (rate x retention).
 * </ol>
 *
 * <p>Thread-safe. Cache maintenance (eviction, expiry, Caffeine's buffers) runs on the calling
 * thread, once at the end of each call rather than after every key: evictions are counted by the
 * time an operation returns, and a batch of 500 keys pays one maintenance pass instead of 500 (it
 * was about a quarter of the time of a claim). Caffeine still runs it inline when its write buffer
 * fills during a batch, so the bound holds within a batch too.
 */
public final class MemoryIdempotencyStore extends AbstractIdempotencyStore {

    /** The default bound on the number of records. */
    public static final long DEFAULT_MAXIMUM_SIZE = 1_000_000;

    private static final Logger LOG = LoggerFactory.getLogger(MemoryIdempotencyStore.class);

    /** The retention {@link #fenced} reads as "release": a retention is at least 1 ms. */
    private static final long RELEASE = 0;

    /** Any batch size, one process only; a constant, since the base class asks for it on every call. */
    private static final StoreCapabilities CAPABILITIES = new StoreCapabilities(Integer.MAX_VALUE, false);

    private final Cache<Id, Entry> cache;
    private final Ticker ticker;
    private final long maximumSize;
    private final LongAdder evictions = new LongAdder();
    private final AtomicLong tokens = new AtomicLong();
    private final Instant epoch;
    private final long epochTicks;

    /**
     * Caffeine's maintenance task, handed to its executor and run by {@link #maintain()} at the end
     * of the call that scheduled it (or of any later call): one pass per call, not per key. Caffeine
     * schedules it again only after a pass has run, so one slot is enough; a call that finds it taken
     * by another thread leaves the pass to that thread, as Caffeine's own lock would.
     */
    private final AtomicReference<@Nullable Runnable> maintenance = new AtomicReference<>();

    private MemoryIdempotencyStore(Builder builder) {
        this.ticker = builder.ticker;
        this.maximumSize = builder.maximumSize;
        this.epoch = Instant.now();
        this.epochTicks = ticker.read();
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .ticker(ticker)
                .executor(maintenance::set)
                .expireAfter(new EntryExpiry())
                .evictionListener(this::onEviction)
                .build();
    }

    /** Returns a builder with the defaults: {@value #DEFAULT_MAXIMUM_SIZE} records, the system ticker. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a store with the defaults. */
    public static MemoryIdempotencyStore create() {
        return builder().build();
    }

    /** Returns how many unexpired records were evicted because the cache was full: forgotten keys. */
    public long evictions() {
        return evictions.sum();
    }

    /** Returns the approximate number of records held, expired ones not yet removed included. */
    public long size() {
        return cache.estimatedSize();
    }

    @Override
    protected List<ClaimResult> doClaim(List<ClaimRequest> requests) {
        try {
            if (requests.size() == 1) {
                // A claim per record (the processor, a poll of one): no array, no list of one.
                return List.of(claim(requests.get(0)));
            }
            ClaimResult[] results = new ClaimResult[requests.size()];
            for (int i = 0; i < results.length; i++) {
                results[i] = claim(requests.get(i));
            }
            return Arrays.asList(results);
        } finally {
            maintain();
        }
    }

    /** Runs the maintenance Caffeine scheduled during this call, if no other thread took it. */
    private void maintain() {
        Runnable task = maintenance.getAndSet(null);
        if (task != null) {
            task.run();
        }
    }

    /**
     * Claims one key. Most keys are new: one {@code putIfAbsent} claims them, and it answers a live
     * duplicate too, since an entry never changes in place (the value it returns is the record at
     * that instant). Only a reclaim, or an entry whose time came between Caffeine's read of the clock
     * and ours, takes {@link #claimSlowly}, whose {@code compute} costs several objects per call.
     */
    private ClaimResult claim(ClaimRequest request) {
        Id id = new Id(request.namespace(), request.key());
        long now = ticker.read();
        Entry fresh = Entry.inProgress(request, now, nextToken());
        Entry old = cache.asMap().putIfAbsent(id, fresh);
        if (old == null) {
            return ClaimResult.claimed(request, fresh.token);
        }
        if (!old.expired(ticker.read())
                && (old.state != ClaimState.IN_PROGRESS || !old.origin.equals(request.origin()))) {
            return ClaimResult.duplicate(request, old.toExisting());
        }
        return claimSlowly(id, request);
    }

    /** Claims one key under {@code compute}: the reclaim, and an expired entry Caffeine still returned. */
    private ClaimResult claimSlowly(Id id, ClaimRequest request) {
        ClaimResult[] result = new ClaimResult[1];
        cache.asMap().compute(id, (key, old) -> {
            long now = ticker.read();
            Entry live = old == null || old.expired(now) ? null : old;
            if (live == null) {
                Entry claimed = Entry.inProgress(request, now, nextToken());
                result[0] = ClaimResult.claimed(request, claimed.token);
                return claimed;
            }
            if (live.state == ClaimState.IN_PROGRESS && live.origin.equals(request.origin())) {
                Entry claimed = Entry.inProgress(request, now, nextToken());
                result[0] = ClaimResult.reclaimed(request, claimed.token, live.toExisting());
                return claimed;
            }
            result[0] = ClaimResult.duplicate(request, live.toExisting());
            return live;
        });
        return result[0];
    }

    private String nextToken() {
        return Long.toHexString(tokens.incrementAndGet());
    }

    @Override
    protected List<Boolean> doComplete(List<Claim> claims, Duration retention) {
        return fencedAll(claims, retention.toNanos());
    }

    @Override
    protected List<Boolean> doRelease(List<Claim> claims) {
        return fencedAll(claims, RELEASE);
    }

    private List<Boolean> fencedAll(List<Claim> claims, long retentionNanos) {
        try {
            if (claims.size() == 1) {
                return List.of(fenced(claims.get(0), retentionNanos));
            }
            Boolean[] answers = new Boolean[claims.size()];
            for (int i = 0; i < answers.length; i++) {
                answers[i] = fenced(claims.get(i), retentionNanos);
            }
            return Arrays.asList(answers);
        } finally {
            maintain();
        }
    }

    /**
     * Completes ({@code retentionNanos} > 0) or releases ({@link #RELEASE}) the record still in
     * progress under the claim's token. A compare-and-set on the immutable entry: read it, check the
     * token, and replace (or remove) exactly that entry; when another call changed it in between,
     * read again. Cheaper than {@code compute}, and as atomic per key.
     */
    private boolean fenced(Claim claim, long retentionNanos) {
        Id id = new Id(claim.namespace(), claim.key());
        while (true) {
            // Quietly: a read for a compare-and-set is no use to the eviction policy, and a recorded read
            // costs a read-buffer entry and an expiry update (expireAfterRead keeps the time anyway).
            Entry old = cache.policy().getIfPresentQuietly(id);
            long now = ticker.read();
            if (old == null
                    || old.expired(now)
                    || old.state != ClaimState.IN_PROGRESS
                    || !old.token.equals(claim.token())) {
                return false;
            }
            boolean changed = retentionNanos == RELEASE
                    ? cache.asMap().remove(id, old)
                    : cache.asMap().replace(id, old, old.completed(now + retentionNanos));
            if (changed) {
                return true;
            }
        }
    }

    @Override
    protected Optional<StoredRecord> doFind(String namespace, String key) {
        Entry entry = cache.getIfPresent(new Id(namespace, key));
        maintain();
        if (entry == null || entry.expired(ticker.read())) {
            return Optional.empty();
        }
        return Optional.of(new StoredRecord(
                namespace,
                key,
                entry.state,
                entry.token,
                entry.owner,
                entry.origin,
                entry.fingerprint,
                epoch.plusNanos(entry.expiresAt - epochTicks)));
    }

    @Override
    protected void doClose() {
        cache.invalidateAll();
    }

    @Override
    public StoreCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String description() {
        return "memory store (maximumSize=" + maximumSize + ")";
    }

    private void onEviction(@Nullable Id id, @Nullable Entry entry, RemovalCause cause) {
        if (cause == RemovalCause.SIZE) {
            evictions.increment();
            long count = evictions.sum();
            // Log the first eviction and then at each power of two, so a full cache is loud but not a flood.
            if (Long.bitCount(count) == 1) {
                LOG.warn(
                        "{} is full: evicted {} unexpired record(s) so far (latest {}); evicted keys are forgotten "
                                + "and their events would be processed again. Raise maximumSize above rate x retention.",
                        description(),
                        count,
                        id == null ? "?" : id.namespace + "/" + id.key);
            }
        }
    }

    /**
     * The cache key. Not a record: the hash is computed once here, since Caffeine and its map hash a
     * key more than once per operation, and a record's hash combines both strings on every call.
     */
    private static final class Id {
        final String namespace;
        final String key;
        private final int hash;

        Id(String namespace, String key) {
            this.namespace = namespace;
            this.key = key;
            this.hash = 31 * namespace.hashCode() + key.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Id other
                    && hash == other.hash
                    && key.equals(other.key)
                    && namespace.equals(other.namespace);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static final class Entry {
        final ClaimState state;
        final String token;
        final String owner;
        final Origin origin;
        final @Nullable String fingerprint;
        final long expiresAt;

        Entry(
                ClaimState state,
                String token,
                String owner,
                Origin origin,
                @Nullable String fingerprint,
                long expiresAt) {
            this.state = state;
            this.token = token;
            this.owner = owner;
            this.origin = origin;
            this.fingerprint = fingerprint;
            this.expiresAt = expiresAt;
        }

        static Entry inProgress(ClaimRequest request, long now, String token) {
            return new Entry(
                    ClaimState.IN_PROGRESS,
                    token,
                    request.owner(),
                    request.origin(),
                    request.fingerprint(),
                    now + request.lease().toNanos());
        }

        Entry completed(long expiresAt) {
            return new Entry(ClaimState.COMPLETED, token, owner, origin, fingerprint, expiresAt);
        }

        boolean expired(long now) {
            return now - expiresAt >= 0;
        }

        ExistingRecord toExisting() {
            return new ExistingRecord(state, origin, owner, fingerprint);
        }
    }

    private static final class EntryExpiry implements Expiry<Id, Entry> {
        @Override
        public long expireAfterCreate(Id id, Entry entry, long currentTime) {
            return Math.max(0, entry.expiresAt - currentTime);
        }

        @Override
        public long expireAfterUpdate(Id id, Entry entry, long currentTime, long currentDuration) {
            return Math.max(0, entry.expiresAt - currentTime);
        }

        @Override
        public long expireAfterRead(Id id, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

    /**
     * Builds a {@link MemoryIdempotencyStore}. Not thread-safe; the store it builds is.
     */
    public static final class Builder {
        private long maximumSize = DEFAULT_MAXIMUM_SIZE;
        private Ticker ticker = Ticker.systemTicker();

        private Builder() {}

        /**
         * Sets the bound on the number of records.
         *
         * @param maximumSize at least 1; default {@value #DEFAULT_MAXIMUM_SIZE}
         * @return this builder
         * @throws IllegalArgumentException when it is below 1
         */
        public Builder maximumSize(long maximumSize) {
            if (maximumSize < 1) {
                throw new IllegalArgumentException("maximumSize must be >= 1, got " + maximumSize);
            }
            this.maximumSize = maximumSize;
            return this;
        }

        /**
         * Sets the clock of expiry, in nanoseconds; for tests.
         *
         * @param ticker the ticker; default {@link Ticker#systemTicker()}
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = java.util.Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Returns a new open store. */
        public MemoryIdempotencyStore build() {
            return new MemoryIdempotencyStore(this);
        }
    }
}
