package io.github.kdedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Complete and release find their rows by the primary key even when the table's statistics are
 * stale, the normal state of a claims table: every row written since the last {@code ANALYZE}
 * expires later than the histogram's last bucket. With such statistics the planner took the live
 * rows from the {@code expires_at} index and compared each with every key of the batch (or hashed
 * a sequential scan of the table), so a complete cost time in proportion to the table. Checked on
 * the table's own scan counters, which are exact where a timing would be noise.
 */
@DisplayName("JDBC store on PostgreSQL, plans")
class PostgresPlanTest {

    private static final String TABLE = Databases.randomTable();

    @AfterAll
    static void dropTable() {
        Databases.drop(Databases.postgresUrl(), TABLE);
    }

    private static List<ClaimRequest> requests(int from, int to) {
        return IntStream.range(from, to)
                .mapToObj(i ->
                        new ClaimRequest("plan", "k" + i, new Origin("orders", 0, i), "c1", null, Duration.ofHours(1)))
                .collect(Collectors.toList());
    }

    private static List<Claim> claims(IdempotencyStore store, List<ClaimRequest> requests) {
        return store.claim(requests).stream().map(ClaimResult::claim).collect(Collectors.toList());
    }

    /**
     * Rows read by sequential scans of the table (opening the store checks the table with a scan that
     * reads none), scans of its expires_at index, scans of its primary key.
     */
    private static long[] scans(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT t.seq_tup_read, e.idx_scan, p.idx_scan FROM pg_stat_user_tables t "
                + "JOIN pg_stat_user_indexes e ON e.relid = t.relid AND e.indexrelname = '" + TABLE
                + "_expires_at_idx' JOIN pg_stat_user_indexes p ON p.relid = t.relid AND p.indexrelname = '" + TABLE
                + "_pkey' WHERE t.relname = '" + TABLE + "'")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }

    @Test
    @DisplayName(
            "complete and release of 500 keys each probe the primary key, never scan the table or the expiry index")
    void shouldFindRowsByPrimaryKeyDespiteStaleStatistics() throws Exception {
        String url = Databases.with(Databases.postgresUrl(), "kdedupTable=" + TABLE + "&kdedupPoolSize=1");
        try (Connection c = Databases.connect(Databases.postgresUrl());
                Statement s = c.createStatement()) {
            long[] before;
            try (IdempotencyStore store = IdempotencyStores.open(url)) {
                // Statistics taken when every row had expired: the histogram of expires_at ends in the past.
                s.execute("INSERT INTO " + TABLE + " SELECT 'old', 'k' || g, 'COMPLETED', 't' || g, 'c1', 'orders', "
                        + "0, g, NULL, now() - interval '1 day' FROM generate_series(1, 2000) g");
                s.execute("ANALYZE " + TABLE);
                before = scans(s);
                store.complete(claims(store, requests(0, 500)), Duration.ofDays(1));
                store.release(claims(store, requests(500, 1000)));
            }
            // Closing the pool ends the store's backend, which sends its counters as it exits.
            long[] after = scans(s);
            for (int i = 0; i < 100 && after[2] - before[2] < 1000; i++) {
                Thread.sleep(100);
                after = scans(s);
            }
            assertThat(after[2] - before[2]).as("primary key probes").isGreaterThanOrEqualTo(1000);
            assertThat(after[0] - before[0])
                    .as("rows read by sequential scans of the table")
                    .isZero();
            assertThat(after[1] - before[1]).as("scans of the expires_at index").isZero();
        }
    }
}
