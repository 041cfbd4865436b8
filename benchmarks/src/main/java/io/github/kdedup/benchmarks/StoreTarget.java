package io.github.kdedup.benchmarks;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import java.util.ArrayList;
import java.util.List;

/**
 * A kdedup store opened by URI through {@link IdempotencyStores#open(String)}, used as the Kafka
 * integration uses it: one {@code claim} per batch, then one {@code complete} of the claims won.
 * Not thread-safe.
 */
final class StoreTarget implements ClaimTarget<List<ClaimRequest>> {

    private final Target.Backend backend;
    private final String id;
    private final String uri;
    private final String namespace;
    private IdempotencyStore store;

    StoreTarget(Target.Backend backend, String id) {
        this.backend = backend;
        this.id = id;
        this.uri = Services.storeUri(backend.key(), id);
        this.namespace = "bench-" + id;
        this.store = IdempotencyStores.open(uri);
    }

    @Override
    public List<ClaimRequest> prepare(String[] keys, int from, int to) {
        List<ClaimRequest> batch = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            batch.add(new ClaimRequest(namespace, keys[i], new Origin(TOPIC, 0, i), OWNER, null, LEASE));
        }
        return batch;
    }

    @Override
    public int claim(List<ClaimRequest> batch) {
        int won = 0;
        for (ClaimResult result : store.claim(batch)) {
            if (result.owns()) {
                won++;
            }
        }
        return won;
    }

    @Override
    public int cycle(List<ClaimRequest> batch) {
        List<Claim> claims = new ArrayList<>(batch.size());
        for (ClaimResult result : store.claim(batch)) {
            if (result.owns()) {
                claims.add(result.claim());
            }
        }
        if (claims.isEmpty()) {
            return 0;
        }
        int completed = 0;
        for (boolean done : store.complete(claims, RETENTION)) {
            if (done) {
                completed++;
            }
        }
        return completed;
    }

    @Override
    public void preload(String[] keys) {
        for (int from = 0; from < keys.length; from += 500) {
            cycle(prepare(keys, from, Math.min(keys.length, from + 500)));
        }
    }

    @Override
    public void clear() {
        switch (backend) {
            case MEMORY -> {
                // A fresh store: the same as deleting every key, and the old one is garbage.
                store.close();
                store = IdempotencyStores.open(uri);
            }
            case REDIS -> Services.deleteRedisKeys(Services.redisPrefix(id));
            case POSTGRES, MARIADB -> Services.truncate(backend.jdbcUrl(), Services.table(id));
        }
    }

    @Override
    public void close() {
        store.close();
        switch (backend) {
            case MEMORY -> {}
            case REDIS -> Services.deleteRedisKeys(Services.redisPrefix(id));
            case POSTGRES, MARIADB -> Services.dropTable(backend.jdbcUrl(), Services.table(id));
        }
    }
}
