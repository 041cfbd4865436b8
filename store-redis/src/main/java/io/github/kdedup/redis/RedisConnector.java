package io.github.kdedup.redis;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.providers.ClusterConnectionProvider;

/**
 * Builds the Jedis client and its pools for an endpoint: the only class that knows how Jedis is
 * configured. Stateless and thread-safe.
 */
final class RedisConnector {

    /** How often a cluster client re-reads the slot map: the bound on following a failover or resharding. */
    static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(1);

    private RedisConnector() {}

    /**
     * An open client and, for a cluster, its connection provider: the store builds its own cluster
     * pipelines on it ({@link NodeTrackingClusterPipeline}) to know which masters received writes.
     */
    record Opened(UnifiedJedis client, @Nullable ClusterConnectionProvider cluster) {}

    /**
     * Opens a client. Jedis connects lazily, so this fails only for settings Jedis rejects, in a
     * cluster when no seed answers, and behind Sentinel when no sentinel names the master; {@link
     * RedisServerProbe} then talks to every node. Behind Sentinel, Jedis follows failovers: it
     * subscribes to the sentinels' {@code +switch-master} and moves its pool to the new master.
     *
     * @throws RuntimeException the Jedis failure
     */
    static Opened open(RedisEndpoint endpoint) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(endpoint.poolSize());
        pool.setMaxIdle(endpoint.poolSize());
        pool.setMaxWait(endpoint.timeout());
        // A dead pooled connection fails its one call and is discarded; testing each borrow would cost a round trip.
        pool.setTestOnBorrow(false);
        return switch (endpoint.topology()) {
            case STANDALONE ->
                new Opened(
                        RedisClient.builder()
                                .hostAndPort(endpoint.nodes().get(0))
                                .clientConfig(clientConfig(endpoint, endpoint.database()))
                                .poolConfig(pool)
                                .build(),
                        null);
            case CLUSTER -> {
                requireClusterSeed(endpoint);
                // Pipelines never refresh the slot map themselves (a MOVED reply or a dead master only
                // fails the call), so a failover or resharding is learnt from this periodic refresh.
                ClusterConnectionProvider provider = new ClusterConnectionProvider(
                        new LinkedHashSet<>(endpoint.nodes()), clientConfig(endpoint, 0), pool, TOPOLOGY_REFRESH);
                try {
                    yield new Opened(
                            RedisClusterClient.builder()
                                    // The nodes only pass the builder's check: the provider already has them.
                                    .nodes(new LinkedHashSet<>(endpoint.nodes()))
                                    .connectionProvider(provider)
                                    // Bounded: a lost master turns into a store failure within about two timeouts.
                                    .maxAttempts(2)
                                    .maxTotalRetriesDuration(endpoint.timeout().multipliedBy(2))
                                    .build(),
                            provider);
                } catch (RuntimeException e) {
                    // The provider's refresh thread is no daemon: it would keep the JVM alive.
                    provider.close();
                    throw e;
                }
            }
            case SENTINEL -> {
                RedisEndpoint.Sentinel sentinel = Objects.requireNonNull(endpoint.sentinel(), "sentinel");
                yield new Opened(
                        RedisSentinelClient.builder()
                                .masterName(sentinel.masterName())
                                .sentinels(new LinkedHashSet<>(endpoint.nodes()))
                                .clientConfig(clientConfig(endpoint, endpoint.database()))
                                // The sentinels have their own credentials (often none); TLS is the same as the
                                // master's.
                                .sentinelClientConfig(config(endpoint, 0, sentinel.user(), sentinel.password()))
                                .poolConfig(pool)
                                .build(),
                        null);
            }
        };
    }

    /**
     * Asks the seeds for their cluster state before Jedis builds its cluster client. Jedis starts its
     * topology refresh thread (not a daemon) before it reads the slots, and when no seed answers it
     * throws without stopping that thread: the thread would keep the application's JVM alive for
     * ever. So an unreachable cluster, refused credentials or a server without cluster support fail
     * here, before any thread exists.
     *
     * @throws RuntimeException the last seed's failure; a server that answers but is no cluster node
     *     as a {@link JedisClusterOperationException}
     */
    private static void requireClusterSeed(RedisEndpoint endpoint) {
        RuntimeException last = null;
        for (HostAndPort seed : endpoint.nodes()) {
            try (Jedis jedis = new Jedis(seed, clientConfig(endpoint, 0))) {
                jedis.clusterInfo();
                return;
            } catch (JedisAccessControlException | JedisConnectionException e) {
                last = e;
            } catch (JedisDataException e) {
                last = new JedisClusterOperationException(seed + " is no cluster node (" + e.getMessage() + ")", e);
            }
        }
        throw Objects.requireNonNull(last, "a cluster endpoint has at least one seed");
    }

    private static JedisClientConfig clientConfig(RedisEndpoint endpoint, int database) {
        return config(endpoint, database, endpoint.user(), endpoint.password());
    }

    private static JedisClientConfig config(
            RedisEndpoint endpoint, int database, @Nullable String user, @Nullable String password) {
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
        if (user != null) {
            config.user(user);
        }
        if (password != null) {
            config.password(password);
        }
        return config.build();
    }
}
