package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreProvider;
import io.github.kdedup.StoreUri;
import java.util.Set;

/**
 * Opens {@link RedisIdempotencyStore}s for {@code redis://}, {@code rediss://} and {@code
 * redis-cluster://} URIs. Every call opens a new store with its own pool. Thread-safe.
 *
 * <ul>
 *   <li>{@code redis://[user:password@]host:port[/db]}: one standalone server (database 0 by
 *       default);
 *   <li>{@code rediss://...}: the same over TLS;
 *   <li>{@code redis-cluster://[user:password@]host1:port1,host2:port2}: a Redis Cluster, from any
 *       of its nodes ({@code ?ssl=true} for TLS).
 * </ul>
 *
 * <p>Parameters: {@code poolSize} (connections per node, default 16), {@code timeout} (connect, read
 * and pool wait; ISO-8601 such as {@code PT2S}, or milliseconds; default 2 s), {@code keyPrefix}
 * (default {@code kdedup}), {@code user} and {@code password} (instead of the user-info part).
 */
public final class RedisStoreProvider implements IdempotencyStoreProvider {

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public RedisStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss", "redis-cluster");
    }

    @Override
    public IdempotencyStore open(StoreUri uri) {
        return RedisUris.toBuilder(uri).build();
    }
}
