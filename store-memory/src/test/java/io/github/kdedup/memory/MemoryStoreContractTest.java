package io.github.kdedup.memory;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.tck.IdempotencyStoreContract;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The memory store passes the contract, with a ticker the tests move instead of sleeping. */
class MemoryStoreContractTest extends IdempotencyStoreContract {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    protected IdempotencyStore openStore() {
        return MemoryIdempotencyStore.builder().ticker(nanos::get).build();
    }

    @Override
    protected void elapse(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
