package io.github.kdedup.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.github.kdedup.AbstractIdempotencyStore;
import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link io.github.kdedup.IdempotencyStore} in one SQL table on PostgreSQL or MariaDB, shared by
 * every consumer that uses the same table. Open it from a URI ({@code jdbc:postgresql://...}, see
 * {@link JdbcStoreProvider}) or on your own {@link DataSource} with {@link #builder(DataSource)}.
 *
 * <h2>Storage algorithm</h2>
 *
 * <ol>
 *   <li>One row per (namespace, key) in the table ({@value #DEFAULT_TABLE} by default): state,
 *       token, owner, origin topic/partition/offset, fingerprint and {@code expires_at}; primary
 *       key (namespace, claim_key), an index on {@code expires_at}. The DDL of each dialect ships
 *       as {@code io/github/kdedup/jdbc/postgresql.sql} and {@code mariadb.sql}; the store runs it
 *       at start ({@code CREATE TABLE IF NOT EXISTS}) unless told not to, and then checks that the
 *       table is there.
 *   <li>Time is the database's clock: {@code statement_timestamp()} on PostgreSQL, {@code
 *       UTC_TIMESTAMP(6)} on MariaDB. A row whose {@code expires_at} has passed counts as absent.
 *   <li>Claim, PostgreSQL, first the fast path: {@code INSERT ... ON CONFLICT DO NOTHING
 *       RETURNING token} of the whole batch, as arrays ({@code unnest}), in a statement of its own.
 *       Each key it inserted had no row: CLAIMED. A key that met a row (live, expired, or inserted
 *       by a concurrent claim, whose commit the insert waits for) is neither written nor locked, and
 *       goes on to the next step; when none did, the claim is done in one statement.
 *   <li>Claim, PostgreSQL, the keys that met a row, one more statement: the existing rows of the batch are locked with {@code FOR UPDATE} (which, under READ
 *       COMMITTED, returns each row's newest committed version); then {@code INSERT ... ON CONFLICT
 *       DO UPDATE ... WHERE <expired, or in progress with the same origin> AND <locked above>}
 *       inserts or takes over; the statement returns, per request, whether it won and the locked
 *       row (the previous record of a RECLAIMED, the existing record of a DUPLICATE). A duplicate
 *       neither raises an error (the caller's transaction stays usable) nor writes a row version
 *       (no dead tuple). A row inserted by a transaction that committed after the statement's
 *       snapshot is not replaced (the statement could not say what it replaced): its requests
 *       are claimed again by a new statement, which sees the row. When the store's own
 *       transaction of this statement is aborted to break a deadlock, the keys the insert claimed
 *       keep their answer (their rows are committed) and only the rest is asked again.
 *   <li>Claim, MariaDB, one transaction per batch, every rule decided in Java on locked rows:
 *       {@code INSERT ... ON DUPLICATE KEY UPDATE token = token} of the whole batch (a key without
 *       a row gets this claim's row, a row that exists is left unchanged but locked); a locking
 *       read of the batch's rows ({@code SELECT ... FOR UPDATE}: this claim's token means inserted
 *       by it, CLAIMED; any other row is decided by the rules); one {@code INSERT ... ON DUPLICATE
 *       KEY UPDATE} of the rows the rules let it take over.
 *   <li>Every batch is sorted by (namespace, key) so that concurrent batches lock rows in one order.
 *       One loop, {@link Attempts}, owns every retry: a batch is tried at most {@value
 *       Attempts#MAX} times in all, after a deadlock or serialization failure, or for the requests
 *       whose rows changed under the statement.
 *   <li>Complete and release are fenced by the token, one statement per batch on PostgreSQL
 *       ({@code UPDATE ... FROM unnest ... RETURNING}, {@code DELETE ... USING unnest ...
 *       RETURNING}), in a transaction of its own that first turns sequential scans and hash and
 *       merge joins off ({@code SET LOCAL}), so that the rows are found by the primary key however
 *       stale the table's statistics; on MariaDB a locking read of the rows still in progress under their tokens,
 *       then one UPDATE or DELETE of exactly those rows, in one transaction.
 *   <li>Expired rows stay until purged: {@link #purgeExpired(int)} deletes at most {@code limit}
 *       of them, oldest first; {@link Builder#purgeEvery(Duration)} runs it on a daemon thread.
 * </ol>
 *
 * <p>Thread-safe: every operation borrows its own connection. Passwords never appear in {@link
 * #description()}, {@link #toString()} or exception messages.
 */
public final class JdbcIdempotencyStore extends AbstractIdempotencyStore {

    /** The default table name. */
    public static final String DEFAULT_TABLE = "kdedup_claims";

    /** The default number of rows one purge statement deletes. */
    public static final int DEFAULT_PURGE_BATCH_SIZE = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(JdbcIdempotencyStore.class);

    private final DataSource dataSource;
    private final @Nullable HikariDataSource ownPool;
    private final Dialect dialect;
    private final String description;
    private final Secrets secrets;
    private final int purgeBatchSize;
    private final @Nullable ScheduledExecutorService purger;

    private JdbcIdempotencyStore(Builder builder, Dialect dialect, String description) {
        this.dataSource = builder.dataSource;
        this.ownPool = builder.ownPool;
        this.dialect = dialect;
        this.description = description;
        this.secrets = builder.secrets;
        this.purgeBatchSize = builder.purgeBatchSize;
        Duration every = builder.purgeEvery;
        if (every == null) {
            this.purger = null;
        } else {
            this.purger = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "kdedup-jdbc-purge");
                thread.setDaemon(true);
                return thread;
            });
            purger.scheduleWithFixedDelay(
                    this::purgeQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Starts a builder on a data source the caller owns (and closes: {@link #close()} leaves it open).
     *
     * @param dataSource the data source; its connections must be in autocommit mode when borrowed
     * @return the builder
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"), null, Secrets.NONE);
    }

    static Builder builder(HikariDataSource pool, Secrets secrets) {
        return new Builder(pool, pool, secrets);
    }

    /** Returns the dialect in use. */
    public SqlDialect dialect() {
        return dialect.kind();
    }

    /** Returns the table name. */
    public String table() {
        return dialect.table;
    }

    /**
     * Returns the DDL that creates the table of this store, for this dialect.
     *
     * @param dialect the dialect
     * @param table the table name, checked like {@link Builder#table(String)}
     * @return the statements, separated by {@code ;}
     */
    public static String ddl(SqlDialect dialect, String table) {
        return Dialect.of(dialect, table).ddl();
    }

    /**
     * Deletes expired rows, at most {@code limit} of them, oldest first. Rows locked by a running
     * claim are skipped on PostgreSQL. Call it repeatedly while it returns {@code limit}.
     *
     * @param limit the most rows to delete, {@code >= 1}
     * @return how many rows were deleted
     * @throws IdempotencyStoreException when the database cannot answer
     */
    public int purgeExpired(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("purge limit must be >= 1, got " + limit);
        }
        if (isClosed()) {
            throw new IdempotencyStoreException(description, "purge", "the store is closed", null);
        }
        return withConnection("purge of up to " + limit + " expired rows", c -> dialect.purgeExpired(c, limit));
    }

    private void purgeQuietly() {
        try {
            int deleted;
            int total = 0;
            do {
                deleted = purgeExpired(purgeBatchSize);
                total += deleted;
            } while (deleted == purgeBatchSize && !isClosed());
            LOG.debug("{}: purged {} expired rows", description, total);
        } catch (RuntimeException e) {
            // The schedule must survive an outage: the next run tries again.
            LOG.warn("{}: scheduled purge failed: {}", description, e.getMessage());
        }
    }

    @Override
    protected List<ClaimResult> doClaim(List<ClaimRequest> requests) {
        return withConnection(
                "claim of " + requests.size() + " keys",
                c -> Attempts.settle(requests, batch -> dialect.claimInProgress(c, batch), true));
    }

    @Override
    protected List<Boolean> doComplete(List<Claim> claims, Duration retention) {
        return withConnection(
                "complete of " + claims.size() + " keys",
                c -> Attempts.settle(claims, batch -> dialect.complete(c, batch, retention), true));
    }

    @Override
    protected List<Boolean> doRelease(List<Claim> claims) {
        return withConnection(
                "release of " + claims.size() + " keys",
                c -> Attempts.settle(claims, batch -> dialect.release(c, batch), true));
    }

    @Override
    protected Optional<StoredRecord> doFind(String namespace, String key) {
        return withConnection("find of " + namespace + "/" + key, c -> dialect.find(c, namespace, key));
    }

    @Override
    protected void doClose() {
        if (purger != null) {
            purger.shutdownNow();
        }
        if (ownPool != null) {
            ownPool.close();
        }
    }

    @Override
    public StoreCapabilities capabilities() {
        return new StoreCapabilities(dialect.maxBatchSize(), true);
    }

    @Override
    public String description() {
        return description;
    }

    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T withConnection(String operation, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new IdempotencyStoreException(description, operation, secrets.describe(e), secrets.scrub(e));
        }
    }

    /**
     * Builds a {@link JdbcIdempotencyStore}. Not thread-safe; {@link #build()} checks everything and
     * connects once.
     */
    public static final class Builder {

        private final DataSource dataSource;
        private final @Nullable HikariDataSource ownPool;
        private final Secrets secrets;
        private String table = DEFAULT_TABLE;
        private boolean createTable = true;
        private @Nullable SqlDialect dialect;
        private @Nullable Duration purgeEvery;
        private int purgeBatchSize = DEFAULT_PURGE_BATCH_SIZE;
        private @Nullable String location;

        private Builder(DataSource dataSource, @Nullable HikariDataSource ownPool, Secrets secrets) {
            this.dataSource = dataSource;
            this.ownPool = ownPool;
            this.secrets = secrets;
        }

        /**
         * Sets the table, default {@value #DEFAULT_TABLE}: an SQL identifier, optionally
         * schema-qualified ({@code app.kdedup_claims}); anything else is rejected.
         *
         * @param table the table name
         * @return this builder
         * @throws IllegalArgumentException when the name is not a plain identifier
         */
        public Builder table(String table) {
            this.table = TableName.requireValid(table);
            return this;
        }

        /**
         * Sets whether {@link #build()} creates the table and its index when missing (default
         * {@code true}). When {@code false}, a missing table fails {@link #build()}.
         *
         * @param createTable whether to create the table
         * @return this builder
         */
        public Builder createTable(boolean createTable) {
            this.createTable = createTable;
            return this;
        }

        /**
         * Sets the dialect; by default it is read from the database's product name.
         *
         * @param dialect the dialect
         * @return this builder
         */
        public Builder dialect(SqlDialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * Runs the purge on a daemon thread at this fixed delay (default: never). Each run deletes
         * expired rows in batches of {@link #purgeBatchSize(int)} until none are left.
         *
         * @param every the delay between runs, at least one second
         * @return this builder
         */
        public Builder purgeEvery(Duration every) {
            Objects.requireNonNull(every, "every");
            if (every.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("purgeEvery must be at least 1 s, got " + every);
            }
            this.purgeEvery = every;
            return this;
        }

        /**
         * Sets how many rows one scheduled purge statement deletes, default {@value
         * #DEFAULT_PURGE_BATCH_SIZE}.
         *
         * @param size the batch size, {@code >= 1}
         * @return this builder
         */
        public Builder purgeBatchSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("purgeBatchSize must be >= 1, got " + size);
            }
            this.purgeBatchSize = size;
            return this;
        }

        Builder location(String location) {
            this.location = location;
            return this;
        }

        /**
         * Runs the DDL, once more after a failure: {@code CREATE TABLE IF NOT EXISTS} is not atomic on
         * PostgreSQL, so two processes starting at once on a new table can both try to create it and
         * the loser fails on a catalog unique index; on the second try the table exists.
         */
        private static void createTableRacingOthers(Dialect sql, Connection c) throws SQLException {
            try {
                sql.createTable(c);
            } catch (SQLException first) {
                try {
                    Thread.sleep(50);
                    sql.createTable(c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw first;
                } catch (SQLException second) {
                    second.addSuppressed(first);
                    throw second;
                }
            }
        }

        /**
         * Connects, picks the dialect, creates or checks the table, and returns the store.
         *
         * @return the open store
         * @throws IdempotencyStoreException when the database cannot be reached, the table is
         *     missing and creation is off, or the database is neither PostgreSQL nor MariaDB
         */
        public JdbcIdempotencyStore build() {
            String where = location == null ? "" : ", " + location;
            String provisional = "jdbc store (table " + table + where + ")";
            try (Connection c = dataSource.getConnection()) {
                SqlDialect kind = dialect != null
                        ? dialect
                        : SqlDialect.forProductName(c.getMetaData().getDatabaseProductName());
                Dialect sql = Dialect.of(kind, table);
                String description = "jdbc store (" + kind.name().toLowerCase(java.util.Locale.ROOT) + ", table "
                        + table + where + ")";
                if (createTable) {
                    try {
                        createTableRacingOthers(sql, c);
                    } catch (SQLException e) {
                        throw new IdempotencyStoreException(
                                description,
                                "create table",
                                secrets.describe(e) + "; create it yourself with the DDL of "
                                        + "io/github/kdedup/jdbc/" + kind.ddlResource()
                                        + " and turn table creation off",
                                secrets.scrub(e));
                    }
                }
                try {
                    sql.checkTable(c);
                } catch (SQLException e) {
                    throw new IdempotencyStoreException(
                            description,
                            "open",
                            "table " + table + " is missing or lacks kdedup's columns (" + secrets.describe(e)
                                    + "); create it with the DDL of io/github/kdedup/jdbc/" + kind.ddlResource()
                                    + " (printed in the README), or turn table creation on",
                            secrets.scrub(e));
                }
                return new JdbcIdempotencyStore(this, sql, description);
            } catch (SQLException e) {
                closeOwnPool();
                throw new IdempotencyStoreException(
                        provisional,
                        "open",
                        "cannot connect: " + secrets.describe(e) + "; check the host, port, database, user and "
                                + "password",
                        secrets.scrub(e));
            } catch (RuntimeException e) {
                closeOwnPool();
                throw e;
            }
        }

        private void closeOwnPool() {
            if (ownPool != null) {
                ownPool.close();
            }
        }
    }
}
