package io.github.kdedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Duplicates cost PostgreSQL no row version: each row's physical address (ctid) and inserting
 * transaction (xmin) stay the same, and the table's dead-tuple count does not grow.
 */
@DisplayName("JDBC store on PostgreSQL, duplicates")
class PostgresNoDeadTupleTest {

    private static final String TABLE = Databases.randomTable();

    @AfterAll
    static void dropTable() {
        Databases.drop(Databases.postgresUrl(), TABLE);
    }

    private static List<ClaimRequest> requests(String ns, int partition) {
        return IntStream.range(0, 500)
                .mapToObj(i -> new ClaimRequest(
                        ns, "k" + i, new Origin("orders", partition, i), "c1", null, Duration.ofHours(1)))
                .collect(Collectors.toList());
    }

    /** ctid and xmin of each row of the namespace. */
    private static Map<String, String> versions(Connection c, String ns) throws SQLException {
        Map<String, String> versions = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT claim_key, ctid::text || '/' || xmin::text FROM " + TABLE + " WHERE namespace = ?")) {
            ps.setString(1, ns);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return versions;
    }

    private static long deadTuples(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            // Statistics are sent asynchronously; PostgreSQL 15 can flush them on demand.
            s.execute("SELECT pg_stat_force_next_flush()");
            try (ResultSet rs =
                    s.executeQuery("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '" + TABLE + "'")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    @Test
    @DisplayName("a batch of 500 duplicates writes no row version and leaves the caller's transaction usable")
    void shouldLeaveNoDeadTuple() throws SQLException {
        String ns = "dead-" + UUID.randomUUID();
        String url = Databases.with(Databases.postgresUrl(), "kdedupTable=" + TABLE);
        try (IdempotencyStore store = IdempotencyStores.open(url);
                Connection c = Databases.connect(Databases.postgresUrl())) {
            // 250 completed, 250 in progress: both kinds of duplicate.
            List<ClaimResult> claimed = store.claim(requests(ns, 0));
            assertThat(store.complete(
                            claimed.subList(0, 250).stream()
                                    .map(ClaimResult::claim)
                                    .collect(Collectors.toList()),
                            Duration.ofHours(1)))
                    .containsOnly(true);
            Map<String, String> before = versions(c, ns);
            assertThat(before).hasSize(500);
            // VACUUM is not allowed to run in a transaction block; autocommit is on here.
            try (Statement s = c.createStatement()) {
                s.execute("VACUUM " + TABLE);
            }
            long deadBefore = deadTuples(c);

            // Through the store (autocommit): other origins, so every one is a DUPLICATE.
            assertThat(store.claim(requests(ns, 1)))
                    .extracting(ClaimResult::outcome)
                    .containsOnly(ClaimOutcome.DUPLICATE);

            // Inside a transaction of the caller: all DUPLICATE, and the transaction goes on.
            c.setAutoCommit(false);
            List<ClaimResult> inTx = TransactionalClaims.of(SqlDialect.POSTGRESQL, TABLE)
                    .claimCompleted(c, requests(ns, 2), Duration.ofHours(1));
            assertThat(inTx).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.DUPLICATE);
            try (Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery("SELECT count(*) FROM " + TABLE + " WHERE namespace = '" + ns + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(500);
            }
            c.commit();
            c.setAutoCommit(true);

            assertThat(versions(c, ns)).isEqualTo(before);
            assertThat(deadTuples(c)).isEqualTo(deadBefore);
        }
    }
}
