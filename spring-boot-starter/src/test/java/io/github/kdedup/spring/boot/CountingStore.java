package io.github.kdedup.spring.boot;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A real store that counts its calls (round trips) and the keys they carry. Thread-safe. */
final class CountingStore implements IdempotencyStore {

    final IdempotencyStore delegate;
    final AtomicInteger claimCalls = new AtomicInteger();
    final AtomicInteger claimedKeys = new AtomicInteger();
    final AtomicInteger completeCalls = new AtomicInteger();
    final AtomicInteger completedKeys = new AtomicInteger();
    final AtomicInteger releaseCalls = new AtomicInteger();

    CountingStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<ClaimResult> claim(List<ClaimRequest> requests) {
        claimCalls.incrementAndGet();
        claimedKeys.addAndGet(requests.size());
        return delegate.claim(requests);
    }

    @Override
    public List<Boolean> complete(List<Claim> claims, Duration retention) {
        completeCalls.incrementAndGet();
        completedKeys.addAndGet(claims.size());
        return delegate.complete(claims, retention);
    }

    @Override
    public List<Boolean> release(List<Claim> claims) {
        releaseCalls.incrementAndGet();
        return delegate.release(claims);
    }

    @Override
    public Optional<StoredRecord> find(String namespace, String key) {
        return delegate.find(namespace, key);
    }

    @Override
    public StoreCapabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public String description() {
        return "counting " + delegate.description();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
