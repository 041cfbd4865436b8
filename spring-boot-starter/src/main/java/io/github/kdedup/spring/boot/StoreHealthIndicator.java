package io.github.kdedup.spring.boot;

import io.github.kdedup.IdempotencyStore;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The store's health: UP when it answers a read of one key, DOWN with the store's error otherwise
 * (each store call is bounded in time by the store's own timeouts). Writes nothing. Thread-safe.
 */
final class StoreHealthIndicator extends AbstractHealthIndicator {

    private final IdempotencyStore store;

    StoreHealthIndicator(IdempotencyStore store) {
        super("kdedup store health check failed");
        this.store = store;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("store", store.description());
        StoreFactory.probe(store);
        builder.up();
    }
}
