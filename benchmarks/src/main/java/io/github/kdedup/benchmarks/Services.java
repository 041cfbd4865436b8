package io.github.kdedup.benchmarks;

import io.github.kdedup.StoreUri;
import java.net.URI;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Where the benchmarks find their servers, and the cleanup they owe them. The servers are shared
 * with other users: every benchmark works under a random namespace, key prefix or table, and
 * removes exactly that afterwards; it never flushes a database.
 *
 * <p>The endpoints are, in order: {@code KDEDUP_BENCH_REDIS_URI}, {@code KDEDUP_BENCH_POSTGRES_URL},
 * {@code KDEDUP_BENCH_MARIADB_URL}; then the test endpoints {@code KDEDUP_TEST_*}; then the local
 * defaults (Redis 127.0.0.1:6379; PostgreSQL 127.0.0.1:5432, database {@code test}, user {@code
 * postgres}; MariaDB 127.0.0.1:3306, database {@code test}, user {@code root}). Stateless and
 * thread-safe.
 */
final class Services {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Services() {}

    /** Returns the Redis URI, without query parameters. */
    static String redisUri() {
        return env("REDIS_URI", "redis://127.0.0.1:6379");
    }

    /** Returns the PostgreSQL JDBC URL, with the user. */
    static String postgresUrl() {
        return env("POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    }

    /** Returns the MariaDB JDBC URL, with the user. */
    static String mariadbUrl() {
        return env("MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root");
    }

    private static String env(String name, String fallback) {
        String bench = System.getenv("KDEDUP_BENCH_" + name);
        if (bench != null && !bench.isBlank()) {
            return bench.trim();
        }
        String test = System.getenv("KDEDUP_TEST_" + name);
        return test != null && !test.isBlank() ? test.trim() : fallback;
    }

    /** Returns 10 random lower-case letters and digits, for names that must not collide. */
    static String randomId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder id = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            id.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    /**
     * Returns the URI of a store kind, set up so that its data can be removed afterwards.
     *
     * @param store {@code memory}, {@code redis}, {@code postgres} or {@code mariadb}
     * @param id a random id: the Redis key prefix is {@code kb<id>}, the table {@code kdedup_bench_<id>}
     * @return the URI
     */
    static String storeUri(String store, String id) {
        return switch (store) {
            // Larger than any key pool of one iteration, so nothing is evicted while measuring.
            case "memory" -> "memory:?maximumSize=" + ClaimBenchmark.MAX_KEYS_PER_ITERATION * 3;
            case "redis" -> redisUri() + "?keyPrefix=" + redisPrefix(id);
            case "postgres" -> withParameter(postgresUrl(), "kdedupTable=" + table(id));
            case "mariadb" -> withParameter(mariadbUrl(), "kdedupTable=" + table(id));
            default ->
                throw new IllegalArgumentException(
                        "unknown store '" + store + "'; expected memory, redis, postgres or mariadb");
        };
    }

    /** Returns the Redis key prefix of a run id. */
    static String redisPrefix(String id) {
        return "kb" + id;
    }

    /** Returns the table of a run id. */
    static String table(String id) {
        return "kdedup_bench_" + id;
    }

    /** Returns the JDBC URL of the store kind, or null when it is not a SQL store. */
    static @Nullable String jdbcUrl(String store) {
        return switch (store) {
            case "postgres" -> postgresUrl();
            case "mariadb" -> mariadbUrl();
            default -> null;
        };
    }

    private static String withParameter(String url, String parameter) {
        return url + (url.indexOf('?') < 0 ? "?" : "&") + parameter;
    }

    /** Opens a plain connection in auto-commit mode. */
    static Connection connect(String jdbcUrl) {
        try {
            Connection connection = DriverManager.getConnection(jdbcUrl);
            connection.setAutoCommit(true);
            return connection;
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot connect to " + redact(jdbcUrl) + ": " + e.getMessage()
                            + "; start the database or set KDEDUP_BENCH_POSTGRES_URL / KDEDUP_BENCH_MARIADB_URL",
                    e);
        }
    }

    /** Opens a plain Jedis connection. */
    static Jedis jedis() {
        String uri = redisUri();
        int query = uri.indexOf('?');
        return new Jedis(URI.create(query < 0 ? uri : uri.substring(0, query)));
    }

    /** Runs DDL or a cleanup statement. */
    static void execute(String jdbcUrl, String sql) {
        try (Connection c = connect(jdbcUrl);
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("'" + sql + "' failed on " + redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
    }

    /** Empties a table this benchmark created. */
    static void truncate(String jdbcUrl, String table) {
        execute(jdbcUrl, "TRUNCATE TABLE " + table);
    }

    /** Drops a table this benchmark created. */
    static void dropTable(String jdbcUrl, String table) {
        execute(jdbcUrl, "DROP TABLE IF EXISTS " + table);
    }

    /**
     * Deletes the Redis keys that start with the prefix and a colon ({@code SCAN} plus pipelined
     * {@code UNLINK}), never anything else.
     *
     * @return how many keys were deleted
     */
    static long deleteRedisKeys(String prefix) {
        if (prefix.length() < 8) {
            throw new IllegalArgumentException("refusing to delete keys of the short prefix '" + prefix + "'");
        }
        long deleted = 0;
        try (Jedis jedis = jedis()) {
            ScanParams params = new ScanParams().match(prefix + ":*").count(10_000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, params);
                cursor = page.getCursor();
                List<String> keys = new ArrayList<>(page.getResult());
                if (!keys.isEmpty()) {
                    try (Pipeline pipeline = jedis.pipelined()) {
                        for (int from = 0; from < keys.size(); from += 1000) {
                            pipeline.unlink(keys.subList(from, Math.min(keys.size(), from + 1000))
                                    .toArray(String[]::new));
                        }
                        pipeline.sync();
                    }
                    deleted += keys.size();
                }
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return deleted;
    }

    /** Hides a password, in the user-info part or as a parameter. */
    static String redact(String url) {
        return StoreUri.redact(url);
    }
}
