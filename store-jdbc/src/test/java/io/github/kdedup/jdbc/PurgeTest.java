package io.github.kdedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.Origin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Expired rows are deleted by the purge, in bounded batches, and only they. */
@DisplayName("purge of expired rows")
class PurgeTest {

    private static String url(SqlDialect dialect) {
        return dialect == SqlDialect.POSTGRESQL ? Databases.postgresUrl() : Databases.mariadbUrl();
    }

    private static HikariDataSource pool(SqlDialect dialect) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url(dialect));
        config.setMaximumPoolSize(2);
        return new HikariDataSource(config);
    }

    private static List<ClaimRequest> requests(String ns, String prefix, int count, Duration lease) {
        return IntStream.range(0, count)
                .mapToObj(i -> new ClaimRequest(ns, prefix + i, new Origin("orders", 0, i), "c1", null, lease))
                .collect(Collectors.toList());
    }

    private static List<String> keys(SqlDialect dialect, String table) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (Connection c = Databases.connect(url(dialect));
                PreparedStatement ps = c.prepareStatement("SELECT claim_key FROM " + table);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                keys.add(new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return keys;
    }

    @ParameterizedTest
    @EnumSource(SqlDialect.class)
    @DisplayName("purgeExpired deletes exactly the expired rows, at most limit per call")
    void shouldPurgeExactlyExpiredRows(SqlDialect dialect) throws Exception {
        String table = Databases.randomTable();
        String ns = "purge-" + UUID.randomUUID();
        try (HikariDataSource pool = pool(dialect);
                JdbcIdempotencyStore store =
                        JdbcIdempotencyStore.builder(pool).table(table).build()) {
            assertThat(store.dialect()).isEqualTo(dialect);
            store.claim(requests(ns, "short-", 5, Duration.ofMillis(300)));
            store.claim(requests(ns, "live-", 3, Duration.ofHours(1)));
            List<ClaimResult> done = store.claim(requests(ns, "done-", 4, Duration.ofMillis(300)));
            // Completed with a long retention: live, although their lease was short.
            store.complete(done.stream().map(ClaimResult::claim).collect(Collectors.toList()), Duration.ofHours(1));
            Thread.sleep(500);

            assertThat(store.purgeExpired(2)).isEqualTo(2);
            assertThat(store.purgeExpired(100)).isEqualTo(3);
            assertThat(store.purgeExpired(100)).isZero();
            assertThat(keys(dialect, table))
                    .containsExactlyInAnyOrder("live-0", "live-1", "live-2", "done-0", "done-1", "done-2", "done-3");
        } finally {
            Databases.drop(url(dialect), table);
        }
    }

    @ParameterizedTest
    @EnumSource(SqlDialect.class)
    @DisplayName("the scheduled purge removes expired rows on its own")
    void shouldPurgeOnSchedule(SqlDialect dialect) throws Exception {
        String table = Databases.randomTable();
        String ns = "purge-" + UUID.randomUUID();
        try (HikariDataSource pool = pool(dialect);
                JdbcIdempotencyStore store = JdbcIdempotencyStore.builder(pool)
                        .table(table)
                        .purgeEvery(Duration.ofSeconds(1))
                        .purgeBatchSize(3)
                        .build()) {
            store.claim(requests(ns, "short-", 10, Duration.ofMillis(100)));
            store.claim(requests(ns, "live-", 2, Duration.ofHours(1)));
            List<String> left = keys(dialect, table);
            for (int i = 0; i < 50 && left.size() > 2; i++) {
                Thread.sleep(200);
                left = keys(dialect, table);
            }
            assertThat(left).containsExactlyInAnyOrder("live-0", "live-1");
        } finally {
            Databases.drop(url(dialect), table);
        }
    }
}
