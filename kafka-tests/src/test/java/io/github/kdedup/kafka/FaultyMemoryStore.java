package io.github.kdedup.kafka;

import io.github.kdedup.AbstractIdempotencyStore;
import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import io.github.kdedup.memory.MemoryIdempotencyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real {@link MemoryIdempotencyStore} behind an on/off switch, for the outage tests: {@link
 * #available(boolean) available(false)} makes every operation throw, as a store whose server is
 * down, and {@code available(true)} lets them through to the memory store again, its records intact.
 * The failure reaches callers as the {@link io.github.kdedup.IdempotencyStoreException} that {@link
 * AbstractIdempotencyStore} makes of a backend's exception, as a real store's would.
 */
final class FaultyMemoryStore extends AbstractIdempotencyStore {

    private final MemoryIdempotencyStore memory = MemoryIdempotencyStore.create();
    private final String name;
    private volatile boolean available = true;
    private final AtomicInteger completeCalls = new AtomicInteger();

    FaultyMemoryStore(String name) {
        this.name = name;
    }

    /** Switches the injected backend failure off (true) or on (false). */
    void available(boolean available) {
        this.available = available;
    }

    /** Returns how many completions reached the backend, the failed ones included. */
    int completeCalls() {
        return completeCalls.get();
    }

    private void check() {
        if (!available) {
            throw new IllegalStateException("connection refused (test backend switched off)");
        }
    }

    @Override
    protected List<ClaimResult> doClaim(List<ClaimRequest> requests) {
        check();
        return memory.claim(requests);
    }

    @Override
    protected List<Boolean> doComplete(List<Claim> claims, Duration retention) {
        completeCalls.incrementAndGet();
        check();
        return memory.complete(claims, retention);
    }

    @Override
    protected List<Boolean> doRelease(List<Claim> claims) {
        check();
        return memory.release(claims);
    }

    @Override
    protected Optional<StoredRecord> doFind(String namespace, String key) {
        check();
        return memory.find(namespace, key);
    }

    @Override
    protected void doClose() {
        memory.close();
        FaultyMemoryStoreProvider.forget(name, this);
    }

    @Override
    public StoreCapabilities capabilities() {
        return memory.capabilities();
    }

    @Override
    public String description() {
        return "faulty memory store (" + name + ")";
    }
}
