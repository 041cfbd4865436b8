package io.github.kdedup.jdbc;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.Origin;
import io.github.kdedup.StoredRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of one dialect on one table. Stateless apart from the table name: thread-safe. Every
 * method works on a connection the caller holds and tries once: retries belong to {@link Attempts}
 * alone. {@link #claimCompleted} stays inside the caller's transaction; every other method works in
 * a transaction of its own on a connection in autocommit mode.
 */
abstract class Dialect {

    static final String IN_PROGRESS = "IN_PROGRESS";
    static final String COMPLETED = "COMPLETED";

    final String table;

    Dialect(String table) {
        this.table = TableName.requireValid(table);
    }

    static Dialect of(SqlDialect dialect, String table) {
        return dialect == SqlDialect.POSTGRESQL ? new PostgresDialect(table) : new MariaDbDialect(table);
    }

    abstract SqlDialect kind();

    abstract int maxBatchSize();

    /**
     * Claims distinct keys for the store, by the claim rules, in a transaction of its own (the
     * connection is in autocommit mode and is left so): a new record is IN_PROGRESS and expires after
     * its request's lease.
     *
     * @return one result per request, in order; {@code null} where the key's row changed under the
     *     statement and the request must be asked again (see {@link Attempts})
     */
    abstract List<@Nullable ClaimResult> claimInProgress(Connection c, List<ClaimRequest> requests) throws SQLException;

    /**
     * Claims distinct keys inside the caller's transaction, by the claim rules: a new record is
     * COMPLETED and expires after {@code retention}. Never commits or rolls back.
     *
     * @return one result per request, in order; {@code null} as for {@link #claimInProgress}
     */
    abstract List<@Nullable ClaimResult> claimCompleted(Connection c, List<ClaimRequest> requests, Duration retention)
            throws SQLException;

    abstract List<Boolean> complete(Connection c, List<Claim> claims, Duration retention) throws SQLException;

    abstract List<Boolean> release(Connection c, List<Claim> claims) throws SQLException;

    abstract Optional<StoredRecord> find(Connection c, String namespace, String key) throws SQLException;

    abstract int purgeExpired(Connection c, int limit) throws SQLException;

    /** Work on a connection. */
    interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on a connection in autocommit mode, and leaves it in
     * autocommit mode: committed when the work returns, rolled back when it throws. No retry.
     */
    static <T> T inOwnTransaction(Connection c, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        Throwable failure = null;
        try {
            T result = work.run();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            failure = e;
            try {
                c.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException reset) {
                // A broken connection (a timeout): report the failure that broke it, not this echo.
                if (failure == null) {
                    throw reset;
                }
                failure.addSuppressed(reset);
            }
        }
    }

    /** Returns the DDL of this dialect for this table, as shipped in the resource. */
    String ddl() {
        String resource = kind().ddlResource();
        try (InputStream in = Dialect.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the DDL resource " + resource + " is missing from the jar");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.replace("kdedup_claims_expires_at_idx", TableName.unqualified(table) + "_expires_at_idx")
                    .replace("kdedup_claims", table);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the DDL: creates the table and its index when they do not exist. */
    void createTable(Connection c) throws SQLException {
        StringBuilder sql = new StringBuilder();
        for (String line : ddl().split("\n")) {
            String trimmed = line.strip();
            if (!trimmed.startsWith("--")) {
                sql.append(line).append('\n');
            }
        }
        try (Statement s = c.createStatement()) {
            for (String statement : sql.toString().split(";")) {
                if (!statement.isBlank()) {
                    s.execute(statement);
                }
            }
        }
    }

    /** Reads nothing from the table, to check that it exists and has the expected columns. */
    void checkTable(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT namespace, claim_key, state, token, owner, origin_topic, "
                        + "origin_partition, origin_offset, fingerprint, expires_at FROM " + table + " WHERE 1 = 0")) {
            rs.next();
        }
    }

    /** Indexes of the requests in lock order, so that concurrent batches lock rows in one order and never deadlock. */
    static <T> List<Integer> lockOrder(
            List<T> items,
            java.util.function.Function<T, String> namespace,
            java.util.function.Function<T, String> key) {
        List<Integer> order = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer, String>comparing(i -> namespace.apply(items.get(i)))
                .thenComparing(i -> key.apply(items.get(i))));
        return order;
    }

    /**
     * Reads an existing record from six columns starting at {@code first}: state, owner, origin
     * topic, partition and offset, fingerprint, the order both dialects select them in.
     */
    static ExistingRecord existing(ResultSet rs, int first) throws SQLException {
        return new ExistingRecord(
                ClaimState.valueOf(rs.getString(first)),
                new Origin(rs.getString(first + 2), rs.getInt(first + 3), rs.getLong(first + 4)),
                rs.getString(first + 1),
                rs.getString(first + 5));
    }
}
