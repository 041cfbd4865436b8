package io.github.kdedup.jdbc;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Claims written inside the caller's own database transaction: the exactly-once-effects mode. The
 * caller opens a transaction (autocommit off), calls {@link #claimCompleted}, applies its business
 * change only for the requests that own their key, and commits. The "processed" mark and the
 * business change then commit or roll back together: a rolled-back transaction leaves the key
 * claimable, a committed one leaves it COMPLETED for the retention. No lease is involved.
 *
 * <p>Rows are written straight as COMPLETED, by the same claim rules as {@link
 * JdbcIdempotencyStore} (an expired row, or an in-progress row of the same origin, is taken over).
 * A duplicate answers DUPLICATE and never aborts the transaction. A transaction that claims a key
 * another open transaction has claimed waits for that row lock: when the other commits it gets
 * DUPLICATE, when the other rolls back it gets CLAIMED. Keys are locked in (namespace, key) order,
 * so two transactions claiming overlapping batches do not deadlock each other through this class.
 *
 * <p>On PostgreSQL the transaction should run at READ COMMITTED, the default (on MariaDB both READ
 * COMMITTED and the default REPEATABLE READ work): under PostgreSQL's
 * REPEATABLE READ or SERIALIZABLE a race with another transaction on the same key ends in a
 * serialization failure, which the caller must retry as a whole.
 *
 * <p>Use the same table (and dialect) as the stores of the same consumers. Immutable and
 * thread-safe; each call uses only the connection it is given, which must not be used by another
 * thread at the same time. No argument may be null.
 */
public final class TransactionalClaims {

    private final Dialect dialect;
    private final String description;

    private TransactionalClaims(Dialect dialect) {
        this.dialect = dialect;
        this.description = "jdbc transactional claims (" + dialect.kind().name().toLowerCase(java.util.Locale.ROOT)
                + ", table " + dialect.table + ")";
    }

    /**
     * Creates the claims writer on the default table {@value JdbcIdempotencyStore#DEFAULT_TABLE}.
     *
     * @param dialect the database's dialect
     * @return the writer
     */
    public static TransactionalClaims of(SqlDialect dialect) {
        return of(dialect, JdbcIdempotencyStore.DEFAULT_TABLE);
    }

    /**
     * Creates the claims writer on a table.
     *
     * @param dialect the database's dialect
     * @param table the table name, an SQL identifier optionally schema-qualified
     * @return the writer
     * @throws IllegalArgumentException when the table name is not a plain identifier
     */
    public static TransactionalClaims of(SqlDialect dialect, String table) {
        return new TransactionalClaims(Dialect.of(Objects.requireNonNull(dialect, "dialect"), table));
    }

    /**
     * Claims the keys as COMPLETED inside the caller's transaction. Repeated keys in one batch are
     * answered as DUPLICATE of the first occurrence.
     *
     * @param connection the caller's connection, in a transaction (autocommit off); not committed,
     *     rolled back or closed here
     * @param requests the requests; their leases are ignored
     * @param retention how long the completed keys are remembered once committed
     * @return one result per request, in request order; CLAIMED or RECLAIMED means "apply the
     *     change in this transaction", DUPLICATE means "already done, skip it"
     * @throws IdempotencyStoreException when the database fails; the caller should roll back
     * @throws IllegalArgumentException when the connection is in autocommit mode
     */
    public List<ClaimResult> claimCompleted(Connection connection, List<ClaimRequest> requests, Duration retention) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(retention, "retention");
        if (retention.toMillis() < 1 || retention.compareTo(JdbcIdempotencyStore.MAX_RETENTION) > 0) {
            throw new IllegalArgumentException(
                    "retention must be between 1 ms and " + JdbcIdempotencyStore.MAX_RETENTION + ", got " + retention);
        }
        String operation = "transactional claim of " + requests.size() + " keys";
        try {
            if (connection.getAutoCommit()) {
                throw new IllegalArgumentException("claimCompleted needs a connection in a transaction "
                        + "(setAutoCommit(false)): in autocommit mode the claim would commit on its own");
            }
            if (requests.isEmpty()) {
                return List.of();
            }
            List<ClaimRequest> distinct = new ArrayList<>();
            int[] first = new int[requests.size()];
            Map<List<String>, Integer> seen = new HashMap<>();
            for (int i = 0; i < requests.size(); i++) {
                ClaimRequest r = Objects.requireNonNull(requests.get(i), "requests must not contain null");
                Integer earlier = seen.putIfAbsent(List.of(r.namespace(), r.key()), i);
                first[i] = earlier == null ? i : earlier;
                if (earlier == null) {
                    distinct.add(r);
                }
            }
            List<ClaimResult> answered = new ArrayList<>(distinct.size());
            for (int from = 0; from < distinct.size(); from += dialect.maxBatchSize()) {
                answered.addAll(Attempts.settle(
                        distinct.subList(from, Math.min(distinct.size(), from + dialect.maxBatchSize())),
                        batch -> dialect.claimCompleted(connection, batch, retention),
                        false));
            }
            ClaimResult[] results = new ClaimResult[requests.size()];
            int next = 0;
            for (int i = 0; i < requests.size(); i++) {
                if (first[i] == i) {
                    results[i] = answered.get(next++);
                } else {
                    ClaimResult firstResult = results[first[i]];
                    results[i] = ClaimResult.duplicate(
                            requests.get(i),
                            firstResult.owns()
                                    ? new io.github.kdedup.ExistingRecord(
                                            ClaimState.COMPLETED,
                                            firstResult.request().origin(),
                                            firstResult.request().owner(),
                                            firstResult.request().fingerprint())
                                    : firstResult.existing().orElseThrow());
                }
            }
            return Arrays.asList(results);
        } catch (SQLException e) {
            String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            throw new IdempotencyStoreException(description, operation, message, e);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
