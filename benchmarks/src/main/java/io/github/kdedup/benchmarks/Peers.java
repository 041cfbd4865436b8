package io.github.kdedup.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.time.Duration;
import org.apache.camel.component.caffeine.processor.idempotent.CaffeineIdempotentRepository;
import org.apache.camel.component.redis.processor.idempotent.SpringRedisStringIdempotentRepository;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.integration.jdbc.metadata.JdbcMetadataStore;
import org.springframework.integration.redis.metadata.RedisMetadataStore;

/**
 * Builds the peers of {@link Target}: Apache Camel's idempotent repositories and Spring
 * Integration's metadata stores, each set up as its documentation tells users to (a pool for the
 * SQL ones, Spring Data Redis on Jedis for the Redis ones), each under this run's random id (a
 * cache name, a Redis key prefix, its own table) so that its data can be removed afterwards.
 * Stateless.
 */
final class Peers {

    /** Camel's Redis repository expires keys in whole seconds; completed keys live this long. */
    private static final long RETENTION_SECONDS = ClaimTarget.RETENTION.toSeconds();

    /** The longest a peer waits for a connection or an answer. */
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(30);

    private Peers() {}

    /** Camel's {@code CaffeineIdempotentRepository}: an unbounded Caffeine cache, as it builds it. */
    static PeerTarget camelCaffeine(String id) {
        return camel("Camel CaffeineIdempotentRepository", new CaffeineIdempotentRepository("bench-" + id), () -> {});
    }

    /** Camel's {@code MemoryIdempotentRepository}, an LRU map large enough for every key of a run. */
    static PeerTarget camelMemory(String id) {
        return camel(
                "Camel MemoryIdempotentRepository",
                MemoryIdempotentRepository.memoryIdempotentRepository(ClaimBenchmark.MAX_KEYS_PER_ITERATION * 3),
                () -> {});
    }

    /**
     * Camel's {@code SpringRedisStringIdempotentRepository}: {@code SET processor:key key NX EX
     * retention} per key.
     */
    static PeerTarget camelRedis(String id) {
        JedisConnectionFactory redis = redis();
        String prefix = Services.redisPrefix(id);
        SpringRedisStringIdempotentRepository repository =
                new SpringRedisStringIdempotentRepository(new StringRedisTemplate(redis), prefix);
        repository.setExpiry(RETENTION_SECONDS);
        return camel("Camel SpringRedisStringIdempotentRepository", repository, () -> {
            Services.deleteRedisKeys(prefix);
            redis.destroy();
        });
    }

    /**
     * Camel's {@code JdbcMessageIdRepository} on its own table, with a primary key on (processor,
     * message id) that Camel's default DDL lacks: a {@code SELECT COUNT(*)} then an {@code INSERT}
     * per key, in one transaction.
     */
    static PeerTarget camelJdbc(Target.Backend backend, String id) {
        String table = "camel_" + id;
        Services.execute(
                backend.jdbcUrl(),
                "CREATE TABLE " + table + " (processorName VARCHAR(255) NOT NULL, messageId VARCHAR(100) NOT NULL, "
                        + "createdAt TIMESTAMP, PRIMARY KEY (processorName, messageId))");
        HikariDataSource pool = pool(backend, id);
        JdbcMessageIdRepository repository = new JdbcMessageIdRepository(pool, "bench-" + id);
        repository.setTableName(table);
        return camel("Camel JdbcMessageIdRepository", repository, () -> {
            pool.close();
            Services.dropTable(backend.jdbcUrl(), table);
        });
    }

    /** Spring Integration's {@code RedisMetadataStore}: {@code HSETNX} on one hash per key. */
    static PeerTarget springRedis(String id) {
        JedisConnectionFactory redis = redis();
        String prefix = Services.redisPrefix(id);
        RedisMetadataStore store = new RedisMetadataStore(redis, prefix + ":metadata");
        return new PeerTarget(
                "Spring Integration RedisMetadataStore",
                key -> store.putIfAbsent(key, "1") == null,
                key -> true,
                () -> Services.deleteRedisKeys(prefix),
                () -> {
                    Services.deleteRedisKeys(prefix);
                    redis.destroy();
                });
    }

    /**
     * Spring Integration's {@code JdbcMetadataStore} on its own table (the schema it ships, under a
     * table prefix of this run): one {@code INSERT ... SELECT ... HAVING COUNT(*) = 0} per key.
     */
    static PeerTarget springJdbc(Target.Backend backend, String id) {
        String prefix = "sib_" + id + "_";
        String table = prefix + "METADATA_STORE";
        Services.execute(
                backend.jdbcUrl(),
                "CREATE TABLE " + table + " (METADATA_KEY VARCHAR(255) NOT NULL, METADATA_VALUE VARCHAR(4000), "
                        + "REGION VARCHAR(100) NOT NULL, CONSTRAINT " + prefix
                        + "PK PRIMARY KEY (METADATA_KEY, REGION))");
        HikariDataSource pool = pool(backend, id);
        JdbcMetadataStore store = new JdbcMetadataStore(pool);
        store.setTablePrefix(prefix);
        store.afterPropertiesSet();
        store.start();
        return new PeerTarget(
                "Spring Integration JdbcMetadataStore",
                key -> store.putIfAbsent(key, "1") == null,
                key -> true,
                () -> Services.truncate(backend.jdbcUrl(), table),
                () -> {
                    store.stop();
                    pool.close();
                    Services.dropTable(backend.jdbcUrl(), table);
                });
    }

    private static PeerTarget camel(String name, IdempotentRepository repository, PeerTarget.Cleanup resources) {
        repository.start();
        return new PeerTarget(name, repository::add, repository::confirm, repository::clear, () -> {
            repository.stop();
            resources.run();
        });
    }

    /**
     * A small pool on the backend, as a service would configure one for a single consumer thread,
     * with its calls bounded in time: a server that stops answering fails the run, never hangs it.
     */
    private static HikariDataSource pool(Target.Backend backend, String id) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(backend.jdbcUrl());
        config.setPoolName("bench-peer-" + id);
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(PEER_TIMEOUT.toMillis());
        // Each driver reads socketTimeout in its own unit.
        config.addDataSourceProperty(
                "socketTimeout",
                backend == Target.Backend.POSTGRES
                        ? String.valueOf(PEER_TIMEOUT.toSeconds())
                        : String.valueOf(PEER_TIMEOUT.toMillis()));
        return new HikariDataSource(config);
    }

    /** Spring Data Redis on Jedis, on the benchmark's Redis. */
    private static JedisConnectionFactory redis() {
        URI uri = URI.create(Services.redisUri());
        RedisStandaloneConfiguration server =
                new RedisStandaloneConfiguration(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            server.setPassword(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            if (colon > 0) {
                server.setUsername(userInfo.substring(0, colon));
            }
        }
        JedisConnectionFactory factory = new JedisConnectionFactory(server);
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }
}
