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

    @Override
    List<@Nullable ClaimResult> claimInProgress(Connection c, List<ClaimRequest> requests) throws SQLException {
        return inOwnTransaction(c, () -> claim(c, requests, ClaimState.IN_PROGRESS, null));
    }

    @Override
    List<@Nullable ClaimResult> claimCompleted(Connection c, List<ClaimRequest> requests, Duration retention)
            throws SQLException {
        return claim(c, requests, ClaimState.COMPLETED, retention);
    }

    /** A row as a claim reads it under its lock. */
    private record Row(ExistingRecord record, String token, boolean live) {}

    /**
     * Claims in the current transaction. Every rule is decided here, in Java, on rows this
     * transaction holds locked, so each key's decision and write are one atomic step, and origins
     * compare exactly whatever the columns' collation:
     *
     * <ol>
     *   <li>insert the whole batch, in lock order; a row that exists (live, expired, or inserted by
     *       a concurrent claim, whose commit the insert waits for) is left as it is, but locked
     *       ({@code ON DUPLICATE KEY UPDATE} of nothing, which changes no column);
     *   <li>lock and read the batch's rows ({@code SELECT ... FOR UPDATE}, which reads the newest
     *       committed version at any isolation level): a row holding this claim's token was inserted
     *       by it, CLAIMED; any other is decided by the claim rules;
     *   <li>take over, in one statement, the rows the rules let this claim replace (expired, or in
     *       progress with the same origin).
     * </ol>
     *
     * <p>Two statements when every key is new or a duplicate (before the commit), three with
     * takeovers.
     */
    private List<@Nullable ClaimResult> claim(
            Connection c, List<ClaimRequest> requests, ClaimState state, @Nullable Duration duration)
            throws SQLException {
        int n = requests.size();
        List<Integer> order = lockOrder(requests, ClaimRequest::namespace, ClaimRequest::key);
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = FencingTokens.next();
        }
        ClaimResult[] results = new ClaimResult[n];
        List<Integer> takeovers = new ArrayList<>();
        upsert(c, requests, order, tokens, state, duration, false);
        Map<Integer, Row> rows = lockAndRead(c, requests, order);
        for (int i : order) {
            Row row = rows.get(i);
            if (row == null) {
                throw new SQLException("the row of " + requests.get(i).namespace() + "/"
                        + requests.get(i).key() + " vanished while this transaction held its lock; is " + table
                        + " an InnoDB table?");
            }
            if (row.token().equals(tokens[i])) {
                results[i] = ClaimResult.claimed(requests.get(i), tokens[i]);
            } else {
                decide(requests.get(i), row, tokens[i], i, results, takeovers);
            }
        }
        if (!takeovers.isEmpty()) {
            upsert(c, requests, takeovers, tokens, state, duration, true);
        }
        return Arrays.asList(results);
    }

    /** Applies the claim rules to a locked row: a DUPLICATE answer, or a takeover to write. */
    private static void decide(
            ClaimRequest r, Row row, String token, int i, ClaimResult[] results, List<Integer> takeovers) {
        if (!row.live()) {
            results[i] = ClaimResult.claimed(r, token);
            takeovers.add(i);
        } else if (row.record().state() == ClaimState.IN_PROGRESS
                && row.record().origin().equals(r.origin())) {
            results[i] = ClaimResult.reclaimed(r, token, row.record());
            takeovers.add(i);
        } else {
            results[i] = ClaimResult.duplicate(r, row.record());
        }
    }

    /** Locks the rows of the requests at these indexes (in lock order) and reads them, by request index. */
    private Map<Integer, Row> lockAndRead(Connection c, List<ClaimRequest> requests, List<Integer> indexes)
            throws SQLException {
        Map<String, Integer> indexOf = new HashMap<>();
        for (int i : indexes) {
            indexOf.put(requests.get(i).namespace() + '\u0000' + requests.get(i).key(), i);
        }
        Map<Integer, Row> rows = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT namespace, claim_key, " + RECORD
                + ", token, expires_at > UTC_TIMESTAMP(6) FROM " + table + " WHERE (namespace, claim_key) IN ("
                + rows(indexes.size(), "(?, ?)") + ") ORDER BY namespace, claim_key FOR UPDATE")) {
            bindKeys(ps, requests, indexes, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Integer i = indexOf.get(text(rs.getBytes(1)) + '\u0000' + text(rs.getBytes(2)));
                    // VARCHAR keeps trailing spaces: the topic reads back exactly as written, and the rules
                    // compare it in Java (decide), never in SQL, where utf8mb4_bin pads spaces.
                    rows.put(i, new Row(existing(rs, 3), rs.getString(9), rs.getBoolean(10)));
                }
            }
        }
        return rows;
    }

    /**
     * Writes new records for the requests at these indexes. With {@code replace} false a row that
     * exists is left unchanged (and locked); with {@code replace} true it is overwritten, which only
     * rows this transaction holds locked and has decided to take over may be.
     */
    private void upsert(
            Connection c,
            List<ClaimRequest> requests,
            List<Integer> indexes,
            String[] tokens,
            ClaimState state,
            @Nullable Duration duration,
            boolean replace)
            throws SQLException {
        StringBuilder sql = new StringBuilder("INSERT INTO ")
                .append(table)
                .append(" (namespace, claim_key, state, token, owner, origin_topic, origin_partition, origin_offset,"
                        + " fingerprint, expires_at) VALUES ")
                .append(rows(indexes.size(), "(?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)"))
                .append(" ON DUPLICATE KEY UPDATE ");
        if (replace) {
            sql.append("state = VALUES(state), token = VALUES(token), owner = VALUES(owner), "
                    + "origin_topic = VALUES(origin_topic), origin_partition = VALUES(origin_partition), "
                    + "origin_offset = VALUES(origin_offset), fingerprint = VALUES(fingerprint), "
                    + "expires_at = VALUES(expires_at)");
        } else {
            sql.append("token = token");
        }
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (int i : indexes) {
                ClaimRequest r = requests.get(i);
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
    }

    private static int bindKeys(PreparedStatement ps, List<ClaimRequest> requests, List<Integer> indexes, int first)
            throws SQLException {
        int p = first;
        for (int i : indexes) {
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
        return inOwnTransaction(c, () -> {
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
