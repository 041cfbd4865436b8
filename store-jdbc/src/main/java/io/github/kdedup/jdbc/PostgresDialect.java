package io.github.kdedup.jdbc;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.FencingTokens;
import io.github.kdedup.Origin;
import io.github.kdedup.StoredRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL: one statement per batch of fresh keys, two when some keys met a row; parameters as
 * arrays (so no bind-parameter limit applies).
 */
final class PostgresDialect extends Dialect {

    private static final String COLUMNS =
            "state, owner, origin_topic, origin_partition, origin_offset, fingerprint, expires_at";

    private final String insertSql;
    private final String claimSql;
    private final String completeSql;
    private final String releaseSql;
    private final String findSql;
    private final String purgeSql;

    PostgresDialect(String table) {
        super(table);
        // 1. input: the batch as arrays, in lock order (ord).
        // 2. locked: the existing rows, locked in lock order. Under READ COMMITTED, FOR UPDATE returns
        //    the newest committed version of a row even when it changed after the statement's snapshot,
        //    so what it returns is exactly what ON CONFLICT will see (the rows stay locked by us).
        //    Locking a row writes no new tuple version.
        // 3. ins: the insert, which runs only after locked is complete (the InitPlan count gates it);
        //    a conflict updates the row only where the claim rules allow it AND the row is one that
        //    locked holds: a row inserted by a transaction that committed after the statement's
        //    snapshot is not in locked, so the statement cannot report what it replaced, and must
        //    not replace it. A false WHERE only locks.
        // 4. The answer per request: won or not, and the locked row for the previous/existing record.
        //    A loser without a locked row met such a late row: that request is asked again in a new
        //    statement, whose snapshot sees the row.
        this.claimSql = "WITH input AS (SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int[], "
                + "?::bigint[], ?::text[], ?::text[], ?::bigint[]) WITH ORDINALITY AS i(namespace, claim_key, owner, "
                + "origin_topic, origin_partition, origin_offset, fingerprint, token, millis, ord)), "
                + "locked AS (SELECT t.namespace, t.claim_key, t.state, t.owner, t.origin_topic, t.origin_partition, "
                + "t.origin_offset, t.fingerprint, t.expires_at FROM " + table + " t JOIN input i "
                + "ON t.namespace = i.namespace AND t.claim_key = i.claim_key ORDER BY i.ord FOR UPDATE OF t), "
                + "ins AS (INSERT INTO " + table + " AS t (namespace, claim_key, state, token, owner, origin_topic, "
                + "origin_partition, origin_offset, fingerprint, expires_at) "
                + "SELECT i.namespace, i.claim_key, ?::text, i.token, i.owner, i.origin_topic, i.origin_partition, "
                + "i.origin_offset, i.fingerprint, statement_timestamp() + i.millis * interval '1 millisecond' "
                + "FROM input i WHERE (SELECT count(*) FROM locked) >= 0 ORDER BY i.ord "
                + "ON CONFLICT (namespace, claim_key) DO UPDATE SET state = EXCLUDED.state, token = EXCLUDED.token, "
                + "owner = EXCLUDED.owner, origin_topic = EXCLUDED.origin_topic, "
                + "origin_partition = EXCLUDED.origin_partition, origin_offset = EXCLUDED.origin_offset, "
                + "fingerprint = EXCLUDED.fingerprint, expires_at = EXCLUDED.expires_at "
                + "WHERE (t.expires_at <= statement_timestamp() OR (t.state = '" + IN_PROGRESS + "' "
                + "AND t.origin_topic = EXCLUDED.origin_topic AND t.origin_partition = EXCLUDED.origin_partition "
                + "AND t.origin_offset = EXCLUDED.origin_offset)) "
                + "AND EXISTS (SELECT 1 FROM locked l WHERE l.namespace = t.namespace AND l.claim_key = t.claim_key) "
                + "RETURNING t.namespace, t.claim_key) "
                + "SELECT i.ord, ins.claim_key IS NOT NULL AS won, l.state, l.owner, l.origin_topic, "
                + "l.origin_partition, l.origin_offset, l.fingerprint, l.expires_at > statement_timestamp() AS live "
                + "FROM input i LEFT JOIN ins ON ins.namespace = i.namespace AND ins.claim_key = i.claim_key "
                + "LEFT JOIN locked l ON l.namespace = i.namespace AND l.claim_key = i.claim_key ORDER BY i.ord";
        // The fast path: keys without any row. DO NOTHING neither updates nor locks a row it meets.
        this.insertSql = "WITH input AS (SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], "
                + "?::int[], ?::bigint[], ?::text[], ?::text[], ?::bigint[]) WITH ORDINALITY AS i(namespace, "
                + "claim_key, owner, origin_topic, origin_partition, origin_offset, fingerprint, token, millis, ord)) "
                + "INSERT INTO " + table + " (namespace, claim_key, state, token, owner, origin_topic, "
                + "origin_partition, origin_offset, fingerprint, expires_at) "
                + "SELECT i.namespace, i.claim_key, ?::text, i.token, i.owner, i.origin_topic, i.origin_partition, "
                + "i.origin_offset, i.fingerprint, statement_timestamp() + i.millis * interval '1 millisecond' "
                + "FROM input i ORDER BY i.ord ON CONFLICT (namespace, claim_key) DO NOTHING RETURNING token";
        // Live is written as a difference, not as expires_at > statement_timestamp(): that form can
        // use the expires_at index, and the planner estimates it from a histogram that ends before
        // every row written since the last ANALYZE (new rows always expire later than the old), so
        // it guesses 1 row and drives the join from that index: every key of the batch compared
        // with every live row (measured: 500 x 500 comparisons, 145 ms per complete of 500 keys on
        // a table of 10 000 rows). Written this way, the rows are found by the primary key.
        String fenced =
                " unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS c(namespace, claim_key, token, ord) "
                        + "WHERE t.namespace = c.namespace AND t.claim_key = c.claim_key AND t.token = c.token "
                        + "AND t.state = '" + IN_PROGRESS
                        + "' AND t.expires_at - statement_timestamp() > interval '0' RETURNING c.ord";
        this.completeSql = "UPDATE " + table + " AS t SET state = '" + COMPLETED + "', "
                + "expires_at = statement_timestamp() + ?::bigint * interval '1 millisecond' FROM" + fenced;
        this.releaseSql = "DELETE FROM " + table + " AS t USING" + fenced;
        this.findSql = "SELECT token, " + COLUMNS + " FROM " + table
                + " WHERE namespace = ? AND claim_key = ? AND expires_at > statement_timestamp()";
        // SKIP LOCKED: a purge never waits for (nor blocks) a claim that holds an expired row.
        this.purgeSql = "DELETE FROM " + table + " WHERE (namespace, claim_key) IN (SELECT namespace, claim_key FROM "
                + table + " WHERE expires_at <= statement_timestamp() ORDER BY expires_at LIMIT ? "
                + "FOR UPDATE SKIP LOCKED) AND expires_at <= statement_timestamp()";
    }

    @Override
    SqlDialect kind() {
        return SqlDialect.POSTGRESQL;
    }

    @Override
    int maxBatchSize() {
        return 5_000;
    }

    @Override
    List<@Nullable ClaimResult> claimInProgress(Connection c, List<ClaimRequest> requests) throws SQLException {
        // Each statement in autocommit mode: its own transaction.
        return claim(c, requests, ClaimState.IN_PROGRESS, null, true);
    }

    @Override
    List<@Nullable ClaimResult> claimCompleted(Connection c, List<ClaimRequest> requests, Duration retention)
            throws SQLException {
        return claim(c, requests, ClaimState.COMPLETED, retention, false);
    }

    /**
     * Claims in at most two statements; the new records have {@code state} and expire after {@code
     * duration}, or after each request's lease when it is null. A request whose row could not be read
     * is answered {@code null}.
     *
     * <ol>
     *   <li>The insert: {@code INSERT ... ON CONFLICT DO NOTHING RETURNING token} of the whole batch,
     *       in lock order. Each row it returns is a key that had no row at all: CLAIMED, with nothing
     *       to report. A key that met a row (live, expired, or inserted by a concurrent claim, which
     *       the insert waits for) is left alone: {@code DO NOTHING} writes no row version, so a
     *       duplicate leaves no dead tuple.
     *   <li>The locking claim, only for the keys that met a row, in a new statement whose snapshot
     *       sees every row the insert met: the rules decided on the locked rows (see {@code
     *       claimSql}). When the batch runs in its own transaction and this statement is aborted to
     *       break a deadlock, the keys the insert claimed keep their answer (their rows are committed)
     *       and the rest are answered {@code null}, so that {@link Attempts} asks about them again.
     * </ol>
     */
    private List<@Nullable ClaimResult> claim(
            Connection c,
            List<ClaimRequest> requests,
            ClaimState state,
            @Nullable Duration duration,
            boolean ownTransaction)
            throws SQLException {
        List<Integer> order = lockOrder(requests, ClaimRequest::namespace, ClaimRequest::key);
        String[] tokens = new String[order.size()];
        Map<String, Integer> byToken = new HashMap<>();
        for (int j = 0; j < tokens.length; j++) {
            tokens[j] = FencingTokens.next();
            byToken.put(tokens[j], j);
        }
        ClaimResult[] results = new ClaimResult[requests.size()];
        List<Integer> met = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(insertSql)) {
            bind(c, ps, requests, order, tokens, state, duration);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int j = byToken.get(rs.getString(1));
                    results[order.get(j)] = ClaimResult.claimed(requests.get(order.get(j)), tokens[j]);
                }
            }
        }
        List<Integer> rest = new ArrayList<>();
        List<String> restTokens = new ArrayList<>();
        for (int j = 0; j < tokens.length; j++) {
            if (results[order.get(j)] == null) {
                rest.add(order.get(j));
                restTokens.add(tokens[j]);
            }
        }
        if (rest.isEmpty()) {
            return Arrays.asList(results);
        }
        try {
            // Not under lookUpByPrimaryKey: this statement also joins its CTEs (input, locked, ins) to
            // each other, which have no index and need hash joins; and its only scan of the table,
            // locked, is driven by the batch without any expiry predicate.
            lockAndClaim(c, requests, rest, restTokens, state, duration, results);
        } catch (SQLException e) {
            if (!ownTransaction || !Attempts.abortedToBreakConflict(e)) {
                throw e;
            }
            // The insert committed: its answers stand; the rest is asked again.
        }
        return Arrays.asList(results);
    }

    /**
     * Turns the planner's other ways into the table off for the rest of the current transaction
     * ({@code set_config(..., true)} is {@code SET LOCAL}), so that the statements joining the
     * batch's arrays to the table look each key up in the primary key.
     *
     * <p>Why: the planner estimates a parameter array at 10 rows and prices 500 index probes by
     * {@code random_page_cost}, so on a table that is new, freshly truncated, or has grown since
     * its last {@code ANALYZE}, it may join over a sequential scan of the whole table (a hash
     * join) or over another index, and a prepared statement keeps that generic plan while the
     * table grows: each call then reads every live row. Measured with {@code auto_explain} on
     * the benchmark's table (docs/benchmarks/README.md, "SQL cycle"): the join of a complete of
     * 500 keys took 112-150 ms, 249 500 rows removed by the join filter; 6 ms by the primary key.
     * With these settings the only plan left is a nested loop of primary-key probes, whatever
     * the statistics say. One statement, sent with the transaction's {@code BEGIN}.
     */
    private static void lookUpByPrimaryKey(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
                    + "set_config('enable_mergejoin', 'off', true), set_config('enable_bitmapscan', 'off', true)");
        }
    }

    /** Runs the locking claim ({@code claimSql}) for the requests {@code rest}, into {@code results}. */
    private void lockAndClaim(
            Connection c,
            List<ClaimRequest> requests,
            List<Integer> rest,
            List<String> restTokens,
            ClaimState state,
            @Nullable Duration duration,
            ClaimResult[] results)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(claimSql)) {
            bind(c, ps, requests, rest, restTokens.toArray(String[]::new), state, duration);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int j = rs.getInt(1) - 1;
                    int i = rest.get(j);
                    ClaimRequest r = requests.get(i);
                    boolean won = rs.getBoolean(2);
                    boolean lockedLive = rs.getString(3) != null && rs.getBoolean(9);
                    ExistingRecord locked = lockedLive ? existing(rs, 3) : null;
                    if (won) {
                        // A live row that the claim could replace was in progress with this origin.
                        results[i] = locked == null
                                ? ClaimResult.claimed(r, restTokens.get(j))
                                : ClaimResult.reclaimed(r, restTokens.get(j), locked);
                    } else if (locked != null) {
                        results[i] = ClaimResult.duplicate(r, locked);
                    } // else: a row committed after the snapshot; left null, to be asked again
                }
            }
        }
    }

    /**
     * Binds the requests {@code indexes} (in lock order) as the nine arrays and the state, the
     * parameters both claim statements take.
     */
    private static void bind(
            Connection c,
            PreparedStatement ps,
            List<ClaimRequest> requests,
            List<Integer> indexes,
            String[] tokens,
            ClaimState state,
            @Nullable Duration duration)
            throws SQLException {
        int n = indexes.size();
        String[] namespaces = new String[n];
        String[] keys = new String[n];
        String[] owners = new String[n];
        String[] topics = new String[n];
        Integer[] partitions = new Integer[n];
        Long[] offsets = new Long[n];
        String[] fingerprints = new String[n];
        Long[] millis = new Long[n];
        for (int j = 0; j < n; j++) {
            ClaimRequest r = requests.get(indexes.get(j));
            namespaces[j] = r.namespace();
            keys[j] = r.key();
            owners[j] = r.owner();
            topics[j] = r.origin().topic();
            partitions[j] = r.origin().partition();
            offsets[j] = r.origin().offset();
            fingerprints[j] = r.fingerprint();
            millis[j] = (duration == null ? r.lease() : duration).toMillis();
        }
        ps.setArray(1, c.createArrayOf("text", namespaces));
        ps.setArray(2, c.createArrayOf("text", keys));
        ps.setArray(3, c.createArrayOf("text", owners));
        ps.setArray(4, c.createArrayOf("text", topics));
        ps.setArray(5, c.createArrayOf("int4", partitions));
        ps.setArray(6, c.createArrayOf("int8", offsets));
        ps.setArray(7, c.createArrayOf("text", fingerprints));
        ps.setArray(8, c.createArrayOf("text", tokens));
        ps.setArray(9, c.createArrayOf("int8", millis));
        ps.setString(10, state.name());
    }

    @Override
    List<Boolean> complete(Connection c, List<Claim> claims, Duration retention) throws SQLException {
        return fenced(c, completeSql, claims, retention);
    }

    @Override
    List<Boolean> release(Connection c, List<Claim> claims) throws SQLException {
        return fenced(c, releaseSql, claims, null);
    }

    private List<Boolean> fenced(Connection c, String sql, List<Claim> claims, @Nullable Duration retention)
            throws SQLException {
        int n = claims.size();
        String[] namespaces = new String[n];
        String[] keys = new String[n];
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            namespaces[i] = claims.get(i).namespace();
            keys[i] = claims.get(i).key();
            tokens[i] = claims.get(i).token();
        }
        Boolean[] answers = new Boolean[n];
        Arrays.fill(answers, Boolean.FALSE);
        inOwnTransaction(c, () -> {
            lookUpByPrimaryKey(c);
            change(c, sql, namespaces, keys, tokens, retention, answers);
            return null;
        });
        return Arrays.asList(answers);
    }

    /** Runs the fenced UPDATE or DELETE and marks the requests it changed. */
    private static void change(
            Connection c,
            String sql,
            String[] namespaces,
            String[] keys,
            String[] tokens,
            @Nullable Duration retention,
            Boolean[] answers)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int p = 1;
            if (retention != null) {
                ps.setLong(p++, retention.toMillis());
            }
            ps.setArray(p++, c.createArrayOf("text", namespaces));
            ps.setArray(p++, c.createArrayOf("text", keys));
            ps.setArray(p, c.createArrayOf("text", tokens));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    answers[rs.getInt(1) - 1] = Boolean.TRUE;
                }
            }
        }
    }

    @Override
    Optional<StoredRecord> find(Connection c, String namespace, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(findSql)) {
            ps.setString(1, namespace);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                OffsetDateTime expires = rs.getObject(8, OffsetDateTime.class);
                return Optional.of(new StoredRecord(
                        namespace,
                        key,
                        ClaimState.valueOf(rs.getString(2)),
                        rs.getString(1),
                        rs.getString(3),
                        new Origin(rs.getString(4), rs.getInt(5), rs.getLong(6)),
                        rs.getString(7),
                        expires.toInstant()));
            }
        }
    }

    @Override
    int purgeExpired(Connection c, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(purgeSql)) {
            ps.setInt(1, limit);
            return ps.executeUpdate();
        }
    }
}
