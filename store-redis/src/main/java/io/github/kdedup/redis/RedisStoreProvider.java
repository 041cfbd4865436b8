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
 *       of its nodes ({@code ?ssl=true} for TLS);
 *   <li>{@code redis-sentinel://[user:password@]host1:26379,host2:26379[/db]?masterName=mymaster}: the
 *       master that Redis Sentinel names, followed through failovers ({@code rediss-sentinel://} for
 *       TLS to the master and the sentinels; {@code sentinelUser} and {@code sentinelPassword} when
 *       the sentinels require their own password).
 * </ul>
 *
 * <p>Parameters: {@code poolSize} (connections per node, default 16), {@code timeout} (connect, read
 * and pool wait; ISO-8601 such as {@code PT2S}, or milliseconds; default 2 s), {@code keyPrefix}
 * (default {@code kdedup}), {@code user} and {@code password} (instead of the user-info part); TLS:
 * {@code caCert} (PEM) or {@code trustStore} and {@code trustStorePassword}, {@code clientCert} and
 * {@code clientKey} (PEM) or {@code keyStore} and {@code keyStorePassword} for mutual TLS, {@code
 * verifyHostname} (default true).
 */
public final class RedisStoreProvider implements IdempotencyStoreProvider {

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public RedisStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss", "redis-cluster", "redis-sentinel", "rediss-sentinel");
    }

    @Override
    public IdempotencyStore open(StoreUri uri) {
        return RedisUris.toBuilder(uri).build();
    }
}
