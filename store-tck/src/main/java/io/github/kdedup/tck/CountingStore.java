package io.github.kdedup.tck;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store that counts the calls made to it and the keys they carry, and passes every call on
 * unchanged: for tests that prove how many store round trips an entry point costs (one claim call
 * per poll, completions in batches), without mocking the store.
 *
 * <p>Thread-safe when the wrapped store is (every kdedup store is); the counters are atomic and may
 * be read while calls are under way. A call that throws is counted too. {@link #close()} closes the
 * wrapped store.
 */
public final class CountingStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final AtomicInteger claimCalls = new AtomicInteger();
    private final AtomicInteger claimedKeys = new AtomicInteger();
    private final AtomicInteger completeCalls = new AtomicInteger();
    private final AtomicInteger completedKeys = new AtomicInteger();
    private final AtomicInteger completedTrue = new AtomicInteger();
    private final AtomicInteger releaseCalls = new AtomicInteger();

    /**
     * Wraps a store.
     *
     * @param delegate the real store; not {@code null}
     */
    public CountingStore(IdempotencyStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
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
        List<Boolean> answers = delegate.complete(claims, retention);
        completedTrue.addAndGet(
                (int) answers.stream().filter(Boolean::booleanValue).count());
        return answers;
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

    /** Returns how many {@code claim} calls were made (store round trips for claims). */
    public int claimCalls() {
        return claimCalls.get();
    }

    /** Returns how many keys all {@code claim} calls carried together. */
    public int claimedKeys() {
        return claimedKeys.get();
    }

    /** Returns how many {@code complete} calls were made. */
    public int completeCalls() {
        return completeCalls.get();
    }

    /** Returns how many claims all {@code complete} calls carried together. */
    public int completedKeys() {
        return completedKeys.get();
    }

    /** Returns how many claims the store answered {@code true} for (completed, not fenced). */
    public int completedTrue() {
        return completedTrue.get();
    }

    /** Returns how many {@code release} calls were made. */
    public int releaseCalls() {
        return releaseCalls.get();
    }
}
