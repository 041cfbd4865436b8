package io.github.kdedup.redis;

import java.util.LinkedHashSet;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Builds the Jedis client and its pools for an endpoint: the only class that knows how Jedis is
 * configured. Stateless and thread-safe.
 */
final class RedisConnector {

    private RedisConnector() {}

    /**
     * Opens a client. Jedis connects lazily, so this fails only for settings Jedis rejects (and, in a
     * cluster, when no seed answers); {@link RedisServerProbe} then talks to every node.
     *
     * @throws RuntimeException the Jedis failure
     */
    static UnifiedJedis open(RedisEndpoint endpoint) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(endpoint.poolSize());
        pool.setMaxIdle(endpoint.poolSize());
        pool.setMaxWait(endpoint.timeout());
        // A dead pooled connection fails its one call and is discarded; testing each borrow would cost a round trip.
        pool.setTestOnBorrow(false);
        return switch (endpoint.topology()) {
            case STANDALONE ->
                RedisClient.builder()
                        .hostAndPort(endpoint.nodes().get(0))
                        .clientConfig(clientConfig(endpoint, endpoint.database()))
                        .poolConfig(pool)
                        .build();
            case CLUSTER ->
                RedisClusterClient.builder()
                        .nodes(new LinkedHashSet<>(endpoint.nodes()))
                        .clientConfig(clientConfig(endpoint, 0))
                        .poolConfig(pool)
                        // Bounded: a lost master turns into a store failure within about two timeouts.
                        .maxAttempts(2)
                        .maxTotalRetriesDuration(endpoint.timeout().multipliedBy(2))
                        .build();
        };
    }

    private static JedisClientConfig clientConfig(RedisEndpoint endpoint, int database) {
        int millis = (int) endpoint.timeout().toMillis();
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis)
                .socketTimeoutMillis(millis)
                .database(database)
                .clientName("kdedup");
        RedisEndpoint.Tls tls = endpoint.tls();
        if (tls != null) {
            config.ssl(true).sslSocketFactory(tls.socketFactory()).sslParameters(tls.parameters());
        }
        if (endpoint.user() != null) {
            config.user(endpoint.user());
        }
        if (endpoint.password() != null) {
            config.password(endpoint.password());
        }
        return config.build();
    }
}
