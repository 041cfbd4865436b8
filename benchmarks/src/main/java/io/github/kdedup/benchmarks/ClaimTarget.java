package io.github.kdedup.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * What {@link ClaimBenchmark} measures, behind one small facade (as Caffeine's benchmarks put every
 * cache behind one): a kdedup store opened by URI through the SPI, or a raw backend doing the same
 * work without the library, or the naive per-record code a user would write by hand.
 *
 * <p>Every target keeps its data under a random id (namespace, key prefix, table) and removes it in
 * {@link #clear()} and {@link #close()}. Not thread-safe: one benchmark thread uses it.
 */
abstract class ClaimTarget implements AutoCloseable {

    /** The lease of a benchmark claim; also the TTL of raw keys, so that leftovers expire. */
    static final Duration LEASE = Duration.ofMinutes(2);

    /** The retention of the keys completed in setup to serve as duplicates. */
    static final Duration RETENTION = Duration.ofMinutes(5);

    static final String TOPIC = "bench";
    static final String OWNER = "bench-consumer#0a1b2c3d";
    /** A record of the size the Redis store writes, for the raw Redis baselines. */
    static final String RAW_VALUE = "1|I|bench|0|1234567|AAAAAAAAAAAAAAAAAAAAAA|" + OWNER + "|";

    /** The names of all targets, in the order of the {@code target} parameter. */
    static final List<String> NAMES = List.of(
            "memory",
            "redis",
            "postgres",
            "mariadb",
            "caffeine-putIfAbsent",
            "jedis-pipelined-set-nx-px",
            "jedis-set-nx-per-record",
            "postgres-insert-unnest",
            "postgres-select-then-insert",
            "mariadb-insert-ignore",
            "mariadb-select-then-insert");

    /**
     * Opens a target.
     *
     * @param name one of {@link #NAMES}
     * @param id a random id for the namespace, key prefix and tables
     * @return the target
     */
    static ClaimTarget open(String name, String id) {
        return switch (name) {
            case "memory", "redis", "postgres", "mariadb" -> new StoreTarget(name, id);
            case "caffeine-putIfAbsent" -> new CaffeineTarget(id);
            case "jedis-pipelined-set-nx-px" -> new JedisTarget(id, true);
            case "jedis-set-nx-per-record" -> new JedisTarget(id, false);
            case "postgres-insert-unnest" -> new PostgresUnnestTarget(id);
            case "mariadb-insert-ignore" -> new MariaDbInsertIgnoreTarget(id);
            case "postgres-select-then-insert" -> new SelectThenInsertTarget(Services.postgresUrl(), id, true);
            case "mariadb-select-then-insert" -> new SelectThenInsertTarget(Services.mariadbUrl(), id, false);
            default -> throw new IllegalArgumentException("unknown target '" + name + "'; expected one of " + NAMES);
        };
    }

    /** Returns a guess of the claims per second, to size the first key pool. */
    abstract double expectedRate(int batchSize);

    /** Turns keys [from, to) into one batch in the form {@link #claim} takes; called in setup. */
    abstract Object prepare(String[] keys, int from, int to);

    /** Claims one batch; returns something for the blackhole. */
    abstract Object claim(Object batch);

    /** Makes the keys present, as if claimed and completed earlier: the duplicates of the next claims. */
    abstract void preload(String[] keys);

    /** Removes every key this target wrote. */
    abstract void clear();

    @Override
    public abstract void close();

    static double remoteRate(int batchSize, double bulkRate, double roundTripsPerSecond) {
        return Math.min(bulkRate, roundTripsPerSecond * batchSize);
    }

    /** A kdedup store through {@link IdempotencyStores#open(String)}. */
    static final class StoreTarget extends ClaimTarget {
        private final String kind;
        private final String id;
        private final String uri;
        private final String namespace;
        private IdempotencyStore store;

        StoreTarget(String kind, String id) {
            this.kind = kind;
            this.id = id;
            this.uri = Services.storeUri(kind, id);
            this.namespace = "bench-" + id;
            this.store = IdempotencyStores.open(uri);
        }

        @Override
        double expectedRate(int batchSize) {
            return switch (kind) {
                case "memory" -> 1_000_000;
                case "redis" -> remoteRate(batchSize, 200_000, 10_000);
                default -> remoteRate(batchSize, 30_000, 3_000);
            };
        }

        @Override
        Object prepare(String[] keys, int from, int to) {
            List<ClaimRequest> batch = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                batch.add(new ClaimRequest(namespace, keys[i], new Origin(TOPIC, 0, i), OWNER, null, LEASE));
            }
            return batch;
        }

        @Override
        @SuppressWarnings("unchecked")
        Object claim(Object batch) {
            return store.claim((List<ClaimRequest>) batch);
        }

        @Override
        void preload(String[] keys) {
            for (int from = 0; from < keys.length; from += 500) {
                @SuppressWarnings("unchecked")
                List<ClaimRequest> batch = (List<ClaimRequest>) prepare(keys, from, Math.min(keys.length, from + 500));
                List<Claim> claims = new ArrayList<>(batch.size());
                for (ClaimResult result : store.claim(batch)) {
                    claims.add(result.claim());
                }
                store.complete(claims, RETENTION);
            }
        }

        @Override
        void clear() {
            switch (kind) {
                case "memory" -> {
                    // A fresh store: the same as deleting every key, and the old one is garbage.
                    store.close();
                    store = IdempotencyStores.open(uri);
                }
                case "redis" -> Services.deleteRedisKeys(Services.redisPrefix(id));
                default -> Services.truncate(jdbcUrl(), Services.table(id));
            }
        }

        private String jdbcUrl() {
            String url = Services.jdbcUrl(kind);
            if (url == null) {
                throw new IllegalStateException(kind + " is not a SQL store");
            }
            return url;
        }

        @Override
        public void close() {
            store.close();
            switch (kind) {
                case "redis" -> Services.deleteRedisKeys(Services.redisPrefix(id));
                case "postgres", "mariadb" -> Services.dropTable(jdbcUrl(), Services.table(id));
                default -> {}
            }
        }
    }

    /** Caffeine's {@code asMap().putIfAbsent}, configured like the memory store's cache. */
    static final class CaffeineTarget extends ClaimTarget {
        private final String prefix;
        private Cache<String, Long> cache = newCache();

        CaffeineTarget(String id) {
            this.prefix = "bench-" + id + ":";
        }

        private static Cache<String, Long> newCache() {
            return Caffeine.newBuilder()
                    .maximumSize(ClaimBenchmark.MAX_KEYS_PER_ITERATION * 3L)
                    .executor(Runnable::run)
                    .expireAfterWrite(LEASE)
                    .build();
        }

        @Override
        double expectedRate(int batchSize) {
            return 3_000_000;
        }

        @Override
        Object prepare(String[] keys, int from, int to) {
            String[] batch = new String[to - from];
            for (int i = from; i < to; i++) {
                batch[i - from] = prefix + keys[i];
            }
            return batch;
        }

        @Override
        Object claim(Object batch) {
            String[] keys = (String[]) batch;
            var map = cache.asMap();
            long expiresAt = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            int won = 0;
            for (String key : keys) {
                if (map.putIfAbsent(key, expiresAt) == null) {
                    won++;
                }
            }
            return won;
        }

        @Override
        void preload(String[] keys) {
            String[] full = (String[]) prepare(keys, 0, keys.length);
            for (String key : full) {
                cache.put(key, Long.MAX_VALUE);
            }
        }

        @Override
        void clear() {
            cache = newCache();
        }

        @Override
        public void close() {
            cache.invalidateAll();
        }
    }

    /** Jedis: pipelined {@code SET key value NX PX lease} per batch, or one {@code SET NX} round trip per record. */
    static final class JedisTarget extends ClaimTarget {
        private final String prefix;
        private final boolean pipelined;
        private final Jedis jedis;
        private final SetParams claimParams = SetParams.setParams().nx().px(LEASE.toMillis());

        JedisTarget(String id, boolean pipelined) {
            this.prefix = Services.redisPrefix(id);
            this.pipelined = pipelined;
            this.jedis = Services.jedis();
        }

        @Override
        double expectedRate(int batchSize) {
            return pipelined ? remoteRate(batchSize, 400_000, 10_000) : 10_000;
        }

        @Override
        Object prepare(String[] keys, int from, int to) {
            String[] batch = new String[to - from];
            for (int i = from; i < to; i++) {
                batch[i - from] = prefix + ":" + keys[i];
            }
            return batch;
        }

        @Override
        Object claim(Object batch) {
            String[] keys = (String[]) batch;
            int won = 0;
            if (pipelined) {
                List<Response<String>> replies = new ArrayList<>(keys.length);
                try (Pipeline pipeline = jedis.pipelined()) {
                    for (String key : keys) {
                        replies.add(pipeline.set(key, RAW_VALUE, claimParams));
                    }
                    pipeline.sync();
                }
                for (Response<String> reply : replies) {
                    if (reply.get() != null) {
                        won++;
                    }
                }
            } else {
                for (String key : keys) {
                    if (jedis.set(key, RAW_VALUE, claimParams) != null) {
                        won++;
                    }
                }
            }
            return won;
        }

        @Override
        void preload(String[] keys) {
            String[] full = (String[]) prepare(keys, 0, keys.length);
            SetParams completed = SetParams.setParams().px(RETENTION.toMillis());
            try (Pipeline pipeline = jedis.pipelined()) {
                for (String key : full) {
                    pipeline.set(key, RAW_VALUE, completed);
                }
                pipeline.sync();
            }
        }

        @Override
        void clear() {
            Services.deleteRedisKeys(prefix);
        }

        @Override
        public void close() {
            clear();
            jedis.close();
        }
    }

    /** A raw SQL target: its own table, the same columns and keys as the JDBC store's. */
    abstract static class SqlTarget extends ClaimTarget {
        final String jdbcUrl;
        final String table;
        final String namespace;
        final Connection connection;
        final boolean postgres;

        SqlTarget(String jdbcUrl, String id, boolean postgres) {
            this.jdbcUrl = jdbcUrl;
            this.table = "kdedup_raw_" + id;
            this.namespace = "bench-" + id;
            this.postgres = postgres;
            Services.execute(jdbcUrl, postgres ? postgresDdl(table) : mariaDbDdl(table));
            this.connection = Services.connect(jdbcUrl);
        }

        static String postgresDdl(String table) {
            return "CREATE TABLE " + table + " (namespace text COLLATE \"C\" NOT NULL, claim_key text COLLATE \"C\" "
                    + "NOT NULL, state text NOT NULL, token text NOT NULL, owner text NOT NULL, origin_topic text NOT NULL, "
                    + "origin_partition integer NOT NULL, origin_offset bigint NOT NULL, fingerprint text, "
                    + "expires_at timestamptz NOT NULL, PRIMARY KEY (namespace, claim_key))";
        }

        static String mariaDbDdl(String table) {
            return "CREATE TABLE " + table + " (namespace VARBINARY(128) NOT NULL, claim_key VARBINARY(512) NOT NULL, "
                    + "state VARCHAR(11) CHARACTER SET ascii NOT NULL, token VARCHAR(64) CHARACTER SET ascii NOT NULL, "
                    + "owner VARCHAR(255) CHARACTER SET utf8mb4 NOT NULL, origin_topic VARCHAR(249) CHARACTER SET "
                    + "utf8mb4 NOT NULL, origin_partition INT NOT NULL, origin_offset BIGINT NOT NULL, fingerprint "
                    + "VARCHAR(128) NULL, expires_at DATETIME(6) NOT NULL, PRIMARY KEY (namespace, claim_key)) "
                    + "ENGINE = InnoDB";
        }

        String expiresAt(Duration duration) {
            return postgres
                    ? "statement_timestamp() + interval '" + duration.toMillis() + " milliseconds'"
                    : "UTC_TIMESTAMP(6) + INTERVAL " + duration.toMillis() * 1000 + " MICROSECOND";
        }

        @Override
        Object prepare(String[] keys, int from, int to) {
            return Arrays.copyOfRange(keys, from, to);
        }

        @Override
        void preload(String[] keys) {
            String sql = "INSERT INTO " + table + " (namespace, claim_key, state, token, owner, origin_topic, "
                    + "origin_partition, origin_offset, fingerprint, expires_at) VALUES (?, ?, 'COMPLETED', "
                    + "'AAAAAAAAAAAAAAAAAAAAAA', ?, '" + TOPIC + "', 0, ?, NULL, " + expiresAt(RETENTION) + ")";
            try (PreparedStatement insert = connection.prepareStatement(sql)) {
                connection.setAutoCommit(false);
                for (int i = 0; i < keys.length; i++) {
                    insert.setString(1, namespace);
                    insert.setString(2, keys[i]);
                    insert.setString(3, OWNER);
                    insert.setLong(4, i);
                    insert.addBatch();
                    if (i % 1000 == 999) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
                connection.commit();
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                throw new IllegalStateException("preloading " + table + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        void clear() {
            Services.truncate(jdbcUrl, table);
        }

        @Override
        public void close() {
            try {
                connection.close();
            } catch (SQLException e) {
                // The table is dropped below on a new connection either way.
            }
            Services.dropTable(jdbcUrl, table);
        }
    }

    /** PostgreSQL: one {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING} per batch. */
    static final class PostgresUnnestTarget extends SqlTarget {
        private final PreparedStatement insert;

        PostgresUnnestTarget(String id) {
            super(Services.postgresUrl(), id, true);
            try {
                insert = connection.prepareStatement("INSERT INTO " + table + " (namespace, claim_key, state, token, "
                        + "owner, origin_topic, origin_partition, origin_offset, fingerprint, expires_at) "
                        + "SELECT ?, i.k, 'IN_PROGRESS', 'AAAAAAAAAAAAAAAAAAAAAA', ?, '" + TOPIC + "', 0, i.o, NULL, "
                        + expiresAt(LEASE) + " FROM unnest(?::text[], ?::bigint[]) AS i(k, o) "
                        + "ON CONFLICT DO NOTHING");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        double expectedRate(int batchSize) {
            return remoteRate(batchSize, 60_000, 3_000);
        }

        @Override
        Object claim(Object batch) {
            String[] keys = (String[]) batch;
            Long[] offsets = new Long[keys.length];
            for (int i = 0; i < keys.length; i++) {
                offsets[i] = (long) i;
            }
            try {
                Array keyArray = connection.createArrayOf("text", keys);
                Array offsetArray = connection.createArrayOf("bigint", offsets);
                insert.setString(1, namespace);
                insert.setString(2, OWNER);
                insert.setArray(3, keyArray);
                insert.setArray(4, offsetArray);
                return insert.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("insert into " + table + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** MariaDB: one multi-row {@code INSERT IGNORE ... VALUES (...),(...)} per batch. */
    static final class MariaDbInsertIgnoreTarget extends SqlTarget {
        private final Map<Integer, PreparedStatement> bySize = new HashMap<>();

        MariaDbInsertIgnoreTarget(String id) {
            super(Services.mariadbUrl(), id, false);
        }

        @Override
        double expectedRate(int batchSize) {
            return remoteRate(batchSize, 40_000, 3_000);
        }

        private PreparedStatement statement(int size) throws SQLException {
            PreparedStatement statement = bySize.get(size);
            if (statement == null) {
                StringBuilder sql = new StringBuilder(
                        "INSERT IGNORE INTO " + table + " (namespace, claim_key, state, "
                                + "token, owner, origin_topic, origin_partition, origin_offset, fingerprint, expires_at) VALUES ");
                String row = "(?, ?, 'IN_PROGRESS', 'AAAAAAAAAAAAAAAAAAAAAA', ?, '" + TOPIC + "', 0, ?, NULL, "
                        + expiresAt(LEASE) + ")";
                for (int i = 0; i < size; i++) {
                    sql.append(i == 0 ? "" : ", ").append(row);
                }
                statement = connection.prepareStatement(sql.toString());
                bySize.put(size, statement);
            }
            return statement;
        }

        @Override
        Object claim(Object batch) {
            String[] keys = (String[]) batch;
            try {
                PreparedStatement insert = statement(keys.length);
                int p = 1;
                for (int i = 0; i < keys.length; i++) {
                    insert.setString(p++, namespace);
                    insert.setString(p++, keys[i]);
                    insert.setString(p++, OWNER);
                    insert.setLong(p++, i);
                }
                return insert.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("insert into " + table + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The naive way: per record, {@code SELECT} the key, then {@code INSERT} it when absent. */
    static final class SelectThenInsertTarget extends SqlTarget {
        private final PreparedStatement select;
        private final PreparedStatement insert;

        SelectThenInsertTarget(String jdbcUrl, String id, boolean postgres) {
            super(jdbcUrl, id, postgres);
            try {
                select = connection.prepareStatement(
                        "SELECT state FROM " + table + " WHERE namespace = ? AND claim_key = ?");
                insert = connection.prepareStatement("INSERT INTO " + table + " (namespace, claim_key, state, token, "
                        + "owner, origin_topic, origin_partition, origin_offset, fingerprint, expires_at) VALUES (?, ?, "
                        + "'IN_PROGRESS', 'AAAAAAAAAAAAAAAAAAAAAA', ?, '" + TOPIC + "', 0, ?, NULL, " + expiresAt(LEASE)
                        + ")");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        double expectedRate(int batchSize) {
            return 2_000;
        }

        @Override
        Object claim(Object batch) {
            String[] keys = (String[]) batch;
            int won = 0;
            try {
                for (int i = 0; i < keys.length; i++) {
                    select.setString(1, namespace);
                    select.setString(2, keys[i]);
                    boolean present;
                    try (ResultSet rows = select.executeQuery()) {
                        present = rows.next();
                    }
                    if (!present) {
                        insert.setString(1, namespace);
                        insert.setString(2, keys[i]);
                        insert.setString(3, OWNER);
                        insert.setLong(4, i);
                        won += insert.executeUpdate();
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("select/insert on " + table + " failed: " + e.getMessage(), e);
            }
            return won;
        }
    }
}
