package io.github.kdedup.jdbc;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.FencingTokens;
import io.github.kdedup.Origin;
import io.github.kdedup.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * MariaDB (and MySQL 8): one short transaction per batch. Namespace and key are stored as their
 * UTF-8 bytes (VARBINARY), so they compare exactly; time is {@code UTC_TIMESTAMP(6)}.
 */
final class MariaDbDialect extends Dialect {

    private static final String RECORD = "state, owner, origin_topic, origin_partition, origin_offset, fingerprint";

    /** 10 bind parameters per row; MariaDB allows 65535 per statement. */
    private static final int MAX_BATCH = 1_000;

    MariaDbDialect(String table) {
        super(table);
    }

    @Override
    SqlDialect kind() {
        return SqlDialect.MARIADB;
    }

    @Override
    int maxBatchSize() {
        return MAX_BATCH;
    }

    private static String rows(int n, String row) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ", ").append(row);
        }
        return s.toString();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Runs {@code work} in its own transaction (retrying deadlocks), or inside the caller's. */
    private <T> T inTransaction(Connection c, boolean ownTransaction, Work<T> work) throws SQLException {
        if (!ownTransaction) {
            return work.run();
        }
        c.setAutoCommit(false);
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    T result = work.run();
                    c.commit();
                    return result;
                } catch (SQLException e) {
                    c.rollback();
                    if (!retryable(e) || attempt >= ATTEMPTS) {
                        throw e;
                    }
                }
            }
        } finally {
            c.setAutoCommit(true);
        }
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    @Override
    List<ClaimResult> claim(
            Connection c,
            List<ClaimRequest> requests,
            ClaimState state,
            @Nullable Duration duration,
            boolean ownTransaction)
            throws SQLException {
        List<Integer> order = lockOrder(requests, ClaimRequest::namespace, ClaimRequest::key);
        return inTransaction(c, ownTransaction, () -> claimLocked(c, requests, order, state, duration));
    }

    private List<ClaimResult> claimLocked(
            Connection c,
            List<ClaimRequest> requests,
            List<Integer> order,
            ClaimState state,
            @Nullable Duration duration)
            throws SQLException {
        int n = requests.size();
        String in = "(namespace, claim_key) IN (" + rows(n, "(?, ?)") + ")";
        // 1. Lock the existing rows, in primary-key order, and read them as they are now: the
        //    previous record of a RECLAIMED and the existing record of a DUPLICATE.
        Map<Integer, ExistingRecord> before = new HashMap<>();
        Map<String, Integer> indexOf = new HashMap<>();
        for (int i = 0; i < n; i++) {
            indexOf.put(requests.get(i).namespace() + '\u0000' + requests.get(i).key(), i);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT namespace, claim_key, " + RECORD
                + ", expires_at > UTC_TIMESTAMP(6) FROM " + table + " WHERE " + in
                + " ORDER BY namespace, claim_key FOR UPDATE")) {
            bindKeys(ps, requests, order, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(9)) {
                        Integer i = indexOf.get(text(rs.getBytes(1)) + '\u0000' + text(rs.getBytes(2)));
                        before.put(i, existing(rs, 3));
                    }
                }
            }
        }
        // 2. Insert, or take over where the rules allow. MariaDB applies the assignments left to
        //    right and later ones see the new values: token decides first, and the other columns
        //    follow it (tokens are unique, so "token = VALUES(token)" means "this claim won").
        String[] tokens = new String[n];
        StringBuilder insert = new StringBuilder("INSERT INTO ")
                .append(table)
                .append(" (namespace, claim_key, state, token, owner, origin_topic, origin_partition, origin_offset,"
                        + " fingerprint, expires_at) VALUES ")
                .append(rows(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)"))
                .append(" ON DUPLICATE KEY UPDATE token = IF(expires_at <= UTC_TIMESTAMP(6) OR (state = '")
                .append(IN_PROGRESS)
                .append("' AND origin_topic = VALUES(origin_topic) AND origin_partition = VALUES(origin_partition)"
                        + " AND origin_offset = VALUES(origin_offset)), VALUES(token), token)");
        for (String column : List.of(
                "state", "owner", "origin_topic", "origin_partition", "origin_offset", "fingerprint", "expires_at")) {
            insert.append(", ")
                    .append(column)
                    .append(" = IF(token = VALUES(token), VALUES(")
                    .append(column)
                    .append("), ")
                    .append(column)
                    .append(')');
        }
        try (PreparedStatement ps = c.prepareStatement(insert.toString())) {
            int p = 1;
            for (int i : order) {
                ClaimRequest r = requests.get(i);
                tokens[i] = FencingTokens.next();
                ps.setBytes(p++, utf8(r.namespace()));
                ps.setBytes(p++, utf8(r.key()));
                ps.setString(p++, state.name());
                ps.setString(p++, tokens[i]);
                ps.setString(p++, r.owner());
                ps.setString(p++, r.origin().topic());
                ps.setInt(p++, r.origin().partition());
                ps.setLong(p++, r.origin().offset());
                ps.setString(p++, r.fingerprint());
                ps.setLong(p++, (duration == null ? r.lease() : duration).toMillis() * 1000);
            }
            ps.executeUpdate();
        }
        // 3. Read the tokens back: ours means won. Every row is locked by this transaction now.
        ClaimResult[] results = new ClaimResult[n];
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT namespace, claim_key, " + RECORD + ", token FROM " + table + " WHERE " + in)) {
            bindKeys(ps, requests, order, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int i = indexOf.get(text(rs.getBytes(1)) + '\u0000' + text(rs.getBytes(2)));
                    ClaimRequest r = requests.get(i);
                    ExistingRecord previous = before.get(i);
                    if (tokens[i].equals(rs.getString(9))) {
                        // The clock moved since step 1: a row live then may have expired by step 2.
                        boolean takeover = previous != null
                                && previous.state() == ClaimState.IN_PROGRESS
                                && previous.origin().equals(r.origin());
                        results[i] = !takeover
                                ? ClaimResult.claimed(r, tokens[i])
                                : ClaimResult.reclaimed(r, tokens[i], previous);
                    } else {
                        results[i] = ClaimResult.duplicate(r, existing(rs, 3));
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (results[i] == null) {
                throw new SQLException("the row of " + requests.get(i).namespace() + "/"
                        + requests.get(i).key() + " vanished while this transaction held its lock; is " + table
                        + " an InnoDB table?");
            }
        }
        return Arrays.asList(results);
    }

    private static int bindKeys(PreparedStatement ps, List<ClaimRequest> requests, List<Integer> order, int first)
            throws SQLException {
        int p = first;
        for (int i : order) {
            ps.setBytes(p++, utf8(requests.get(i).namespace()));
            ps.setBytes(p++, utf8(requests.get(i).key()));
        }
        return p;
    }

    @Override
    List<Boolean> complete(Connection c, List<Claim> claims, Duration retention) throws SQLException {
        return fenced(
                c,
                claims,
                "UPDATE " + table + " SET state = '" + COMPLETED + "', expires_at = UTC_TIMESTAMP(6) + INTERVAL "
                        + retention.toMillis() * 1000 + " MICROSECOND");
    }

    @Override
    List<Boolean> release(Connection c, List<Claim> claims) throws SQLException {
        return fenced(c, claims, "DELETE FROM " + table);
    }

    /**
     * Locks and reads the rows still in progress under the claims' tokens, then changes exactly
     * those rows: the lock keeps them as read, so the answer is the read's.
     */
    private List<Boolean> fenced(Connection c, List<Claim> claims, String change) throws SQLException {
        return inTransaction(c, true, () -> {
            List<Integer> order = lockOrder(claims, Claim::namespace, Claim::key);
            int n = claims.size();
            Map<String, Integer> indexOf = new HashMap<>();
            for (int i = 0; i < n; i++) {
                indexOf.put(claims.get(i).namespace() + '\u0000' + claims.get(i).key(), i);
            }
            Boolean[] answers = new Boolean[n];
            Arrays.fill(answers, Boolean.FALSE);
            List<Integer> matched = new ArrayList<>();
            // The (namespace, claim_key) list lets the optimizer use the primary key; the token
            // check then filters.
            try (PreparedStatement ps = c.prepareStatement("SELECT namespace, claim_key, token FROM " + table
                    + " WHERE (namespace, claim_key) IN (" + rows(n, "(?, ?)") + ") AND state = '" + IN_PROGRESS
                    + "' AND expires_at > UTC_TIMESTAMP(6) ORDER BY namespace, claim_key FOR UPDATE")) {
                int p = 1;
                for (int i : order) {
                    ps.setBytes(p++, utf8(claims.get(i).namespace()));
                    ps.setBytes(p++, utf8(claims.get(i).key()));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int i = indexOf.get(text(rs.getBytes(1)) + '\u0000' + text(rs.getBytes(2)));
                        if (claims.get(i).token().equals(rs.getString(3))) {
                            answers[i] = Boolean.TRUE;
                            matched.add(i);
                        }
                    }
                }
            }
            if (!matched.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        change + " WHERE (namespace, claim_key) IN (" + rows(matched.size(), "(?, ?)") + ")")) {
                    int p = 1;
                    for (int i : matched) {
                        ps.setBytes(p++, utf8(claims.get(i).namespace()));
                        ps.setBytes(p++, utf8(claims.get(i).key()));
                    }
                    ps.executeUpdate();
                }
            }
            return Arrays.asList(answers);
        });
    }

    @Override
    Optional<StoredRecord> find(Connection c, String namespace, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT token, " + RECORD + ", expires_at FROM " + table
                + " WHERE namespace = ? AND claim_key = ? AND expires_at > UTC_TIMESTAMP(6)")) {
            ps.setBytes(1, utf8(namespace));
            ps.setBytes(2, utf8(key));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new StoredRecord(
                        namespace,
                        key,
                        ClaimState.valueOf(rs.getString(2)),
                        rs.getString(1),
                        rs.getString(3),
                        new Origin(rs.getString(4), rs.getInt(5), rs.getLong(6)),
                        rs.getString(7),
                        rs.getObject(8, LocalDateTime.class).toInstant(ZoneOffset.UTC)));
            }
        }
    }

    @Override
    int purgeExpired(Connection c, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM " + table + " WHERE expires_at <= UTC_TIMESTAMP(6) ORDER BY expires_at LIMIT ?")) {
            ps.setInt(1, limit);
            return ps.executeUpdate();
        }
    }
}
