package io.github.kdedup.benchmarks;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import redis.clients.jedis.Jedis;

/**
 * Claims per second of a store that already holds {@code rows} live COMPLETED records, and what
 * each record costs the backend: does the store slow down as the table or the key space grows?
 *
 * <p>The trial's setup fills the store under a random table or key prefix: PostgreSQL with one
 * {@code INSERT ... SELECT FROM generate_series}, MariaDB with {@code INSERT ... SELECT FROM
 * seq_1_to_N} (the Sequence engine), both in the store's own schema (the store creates the table)
 * and followed by {@code ANALYZE}; Redis through the store itself ({@code claim} and {@code
 * complete} in batches of 1,000), so that every key has the store's real format and TTL. It then
 * prints the bytes each record takes: {@code pg_total_relation_size} (table, TOAST and both
 * indexes), {@code data_length + index_length} of {@code information_schema.tables}, or the growth
 * of Redis's {@code used_memory}, divided by the records. Each call claims 500 fresh keys (never
 * repeated, nothing is truncated between iterations). The trial removes its table or keys.
 *
 * <pre>
 * java -jar benchmarks/target/kdedup-benchmarks.jar GrowthBenchmark -p store=postgres -p rows=0,1000000
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class GrowthBenchmark {

    private static final int BATCH = 500;
    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Duration RETENTION = Duration.ofDays(1);

    /** {@code postgres}, {@code mariadb} or {@code redis}. */
    @Param({"postgres", "mariadb", "redis"})
    public String store;

    /** Live records in the store before measuring. */
    @Param({"0", "1000000", "10000000"})
    public int rows;

    private String id;
    private IdempotencyStore kdedup;
    private String namespace;
    private long next;

    /** Opens the store under a random id and fills it. */
    @Setup(Level.Trial)
    public void fill() throws SQLException {
        id = Services.randomId();
        namespace = "growth-" + id;
        long usedBefore = store.equals("redis") ? usedMemory() : 0;
        kdedup = IdempotencyStores.open(Services.storeUri(store, id));
        long started = System.nanoTime();
        switch (store) {
            case "postgres" ->
                sql(
                        "INSERT INTO " + Services.table(id) + " SELECT '" + namespace + "', 'old-' || g, 'COMPLETED', "
                                + "md5(g::text), 'consumer-1', 'orders', 0, g, NULL, now() + interval '1 day' "
                                + "FROM generate_series(1, " + rows + ") g",
                        "ANALYZE " + Services.table(id));
            case "mariadb" ->
                sql(
                        "INSERT INTO " + Services.table(id) + " SELECT '" + namespace + "', CONCAT('old-', seq), "
                                + "'COMPLETED', MD5(seq), 'consumer-1', 'orders', 0, seq, NULL, "
                                + "UTC_TIMESTAMP(6) + INTERVAL 1 DAY FROM seq_1_to_" + Math.max(rows, 1)
                                + " WHERE " + rows + " > 0",
                        "ANALYZE TABLE " + Services.table(id));
            case "redis" -> {
                for (long from = 0; from < rows; from += 1000) {
                    cycle(batch("old-", from, (int) Math.min(1000, rows - from)));
                }
            }
            default -> throw new IllegalArgumentException("store must be postgres, mariadb or redis: " + store);
        }
        System.out.printf(
                "%n[kdedup] %s: %,d records loaded in %.0f s%n", store, rows, (System.nanoTime() - started) / 1e9);
        if (rows > 0) {
            long bytes = store.equals("redis") ? usedMemory() - usedBefore : sqlSize();
            System.out.printf(
                    "[kdedup] %s: %,d bytes for %,d records, %d bytes per record%n", store, bytes, rows, bytes / rows);
        }
    }

    /**
     * Claims 500 fresh keys.
     *
     * @return the keys won
     */
    @Benchmark
    public int claim() {
        int won = 0;
        for (ClaimResult r : kdedup.claim(batch("new-", next, BATCH))) {
            won += r.owns() ? 1 : 0;
        }
        next += BATCH;
        return won;
    }

    /** Closes the store and removes the table or keys. */
    @TearDown(Level.Trial)
    public void close() {
        kdedup.close();
        if (store.equals("redis")) {
            Services.deleteRedisKeys(Services.redisPrefix(id));
        } else {
            Services.dropTable(Services.jdbcUrl(store), Services.table(id));
        }
    }

    private List<ClaimRequest> batch(String prefix, long from, int size) {
        List<ClaimRequest> batch = new ArrayList<>(size);
        for (long i = from; i < from + size; i++) {
            batch.add(new ClaimRequest(namespace, prefix + i, new Origin("orders", 0, i), "consumer-1", null, LEASE));
        }
        return batch;
    }

    private void cycle(List<ClaimRequest> batch) {
        List<Claim> claims = new ArrayList<>(batch.size());
        for (ClaimResult r : kdedup.claim(batch)) {
            claims.add(r.claim());
        }
        kdedup.complete(claims, RETENTION);
    }

    private void sql(String... statements) throws SQLException {
        try (Connection c = Services.connect(Services.jdbcUrl(store));
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    private long sqlSize() throws SQLException {
        String query = store.equals("postgres")
                ? "SELECT pg_total_relation_size('" + Services.table(id) + "')"
                : "SELECT data_length + index_length FROM information_schema.tables WHERE table_schema = DATABASE() "
                        + "AND table_name = '" + Services.table(id) + "'";
        try (Connection c = Services.connect(Services.jdbcUrl(store));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long usedMemory() {
        try (Jedis jedis = Services.jedis()) {
            for (String line : jedis.info("memory").split("\r?\n")) {
                if (line.startsWith("used_memory:")) {
                    return Long.parseLong(
                            line.substring("used_memory:".length()).trim());
                }
            }
        }
        throw new IllegalStateException("INFO memory has no used_memory");
    }
}
