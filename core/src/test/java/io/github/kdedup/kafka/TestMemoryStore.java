package io.github.kdedup.kafka;

import io.github.kdedup.AbstractIdempotencyStore;
import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.FencingTokens;
import io.github.kdedup.Origin;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A real in-memory store for core's tests (kdedup-store-memory depends on core, so core's tests
 * cannot use it): the claim rules over a ConcurrentHashMap with {@code compute}, atomic per key, on
 * the wall clock. {@link #available(boolean)} injects a backend failure around it: while off, every
 * operation throws, as a store whose server is down.
 */
final class TestMemoryStore extends AbstractIdempotencyStore {

    private record Entry(
            ClaimState state,
            String token,
            String owner,
            Origin origin,
            @Nullable String fingerprint,
            Instant expiresAt) {
        boolean live(Instant now) {
            return now.isBefore(expiresAt);
        }

        ExistingRecord existing() {
            return new ExistingRecord(state, origin, owner, fingerprint);
        }
    }

    private final ConcurrentHashMap<List<String>, Entry> records = new ConcurrentHashMap<>();
    private final String name;
    private volatile boolean available = true;

    TestMemoryStore(String name) {
        this.name = name;
    }

    /** Switches the injected backend failure off (false) or on (true). */
    void available(boolean available) {
        this.available = available;
    }

    private void check() {
        if (!available) {
            throw new IllegalStateException("connection refused (test backend switched off)");
        }
    }

    @Override
    protected List<ClaimResult> doClaim(List<ClaimRequest> requests) {
        check();
        List<ClaimResult> results = new ArrayList<>();
        for (ClaimRequest r : requests) {
            ClaimResult[] out = new ClaimResult[1];
            records.compute(List.of(r.namespace(), r.key()), (k, old) -> {
                Instant now = Instant.now();
                Entry fresh = new Entry(
                        ClaimState.IN_PROGRESS,
                        FencingTokens.next(),
                        r.owner(),
                        r.origin(),
                        r.fingerprint(),
                        now.plus(r.lease()));
                if (old == null || !old.live(now)) {
                    out[0] = ClaimResult.claimed(r, fresh.token());
                    return fresh;
                }
                if (old.state() == ClaimState.IN_PROGRESS && old.origin().equals(r.origin())) {
                    out[0] = ClaimResult.reclaimed(r, fresh.token(), old.existing());
                    return fresh;
                }
                out[0] = ClaimResult.duplicate(r, old.existing());
                return old;
            });
            results.add(out[0]);
        }
        return results;
    }

    @Override
    protected List<Boolean> doComplete(List<Claim> claims, Duration retention) {
        check();
        return fenced(
                claims,
                (e, now) -> new Entry(
                        ClaimState.COMPLETED, e.token(), e.owner(), e.origin(), e.fingerprint(), now.plus(retention)));
    }

    @Override
    protected List<Boolean> doRelease(List<Claim> claims) {
        check();
        return fenced(claims, (e, now) -> null);
    }

    private interface Change {
        @Nullable
        Entry apply(Entry e, Instant now);
    }

    private List<Boolean> fenced(List<Claim> claims, Change change) {
        List<Boolean> answers = new ArrayList<>();
        for (Claim c : claims) {
            boolean[] done = new boolean[1];
            records.compute(List.of(c.namespace(), c.key()), (k, old) -> {
                Instant now = Instant.now();
                if (old == null || !old.live(now)) {
                    return null;
                }
                if (old.state() != ClaimState.IN_PROGRESS || !old.token().equals(c.token())) {
                    return old;
                }
                done[0] = true;
                return change.apply(old, now);
            });
            answers.add(done[0]);
        }
        return answers;
    }

    @Override
    protected Optional<StoredRecord> doFind(String namespace, String key) {
        check();
        Entry e = records.get(List.of(namespace, key));
        if (e == null || !e.live(Instant.now())) {
            return Optional.empty();
        }
        return Optional.of(new StoredRecord(
                namespace, key, e.state(), e.token(), e.owner(), e.origin(), e.fingerprint(), e.expiresAt()));
    }

    @Override
    protected void doClose() {
        records.clear();
        TestMemoryStoreProvider.forget(name, this);
    }

    @Override
    public StoreCapabilities capabilities() {
        return new StoreCapabilities(1000, false);
    }

    @Override
    public String description() {
        return "test memory store (" + name + ")";
    }
}
