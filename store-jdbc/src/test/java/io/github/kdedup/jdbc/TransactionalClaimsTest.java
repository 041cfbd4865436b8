package io.github.kdedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Claims in the caller's transaction commit or roll back with the business change. */
@DisplayName("transactional claims")
class TransactionalClaimsTest {

    private static final String TABLE = Databases.randomTable();
    private static final String ORDERS = TABLE + "_orders";
    private static final Duration RETENTION = Duration.ofHours(1);

    @BeforeAll
    static void createTables() throws SQLException {
        for (SqlDialect dialect : SqlDialect.values()) {
            // Opening a store creates the claims table.
            IdempotencyStores.open(Databases.with(url(dialect), "kdedupTable=" + TABLE))
                    .close();
            try (Connection c = Databases.connect(url(dialect));
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + ORDERS + " (id VARCHAR(64) PRIMARY KEY)");
            }
        }
    }

    @AfterAll
    static void dropTables() {
        for (SqlDialect dialect : SqlDialect.values()) {
            Databases.drop(url(dialect), TABLE);
            Databases.drop(url(dialect), ORDERS);
        }
    }

    static String url(SqlDialect dialect) {
        return dialect == SqlDialect.POSTGRESQL ? Databases.postgresUrl() : Databases.mariadbUrl();
    }

    private static ClaimRequest request(String ns, String key, int offset) {
        return new ClaimRequest(ns, key, new Origin("orders", 0, offset), "app-1", null, Duration.ofMinutes(1));
    }

    private static Connection transaction(SqlDialect dialect) throws SQLException {
        Connection c = Databases.connect(url(dialect));
        c.setAutoCommit(false);
        return c;
    }

    private static void insertOrder(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + ORDERS + " (id) VALUES (?)")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
    }

    private static boolean orderExists(SqlDialect dialect, String id) throws SQLException {
        try (Connection c = Databases.connect(url(dialect));
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + ORDERS + " WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static IdempotencyStore store(SqlDialect dialect) {
        return IdempotencyStores.open(Databases.with(url(dialect), "kdedupTable=" + TABLE));
    }

    @ParameterizedTest
    @EnumSource(SqlDialect.class)
    @DisplayName("a committed transaction leaves the key COMPLETED with the business change, and a repeat is DUPLICATE")
    void shouldCommitClaimWithChange(SqlDialect dialect) throws SQLException {
        TransactionalClaims claims = TransactionalClaims.of(dialect, TABLE);
        String ns = "tx-" + UUID.randomUUID();
        try (Connection c = transaction(dialect)) {
            List<ClaimResult> results = claims.claimCompleted(c, List.of(request(ns, "order-1", 1)), RETENTION);
            assertThat(results.get(0).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            insertOrder(c, ns);
            c.commit();
        }
        assertThat(orderExists(dialect, ns)).isTrue();
        try (IdempotencyStore store = store(dialect)) {
            assertThat(store.find(ns, "order-1").orElseThrow().state()).isEqualTo(ClaimState.COMPLETED);
            assertThat(store.claim(List.of(request(ns, "order-1", 1))).get(0).outcome())
                    .isEqualTo(ClaimOutcome.DUPLICATE);
        }
        try (Connection c = transaction(dialect)) {
            // Duplicates (also one repeated inside the batch) do not abort the transaction.
            List<ClaimResult> again = claims.claimCompleted(
                    c,
                    List.of(request(ns, "order-1", 2), request(ns, "order-2", 3), request(ns, "order-2", 4)),
                    RETENTION);
            assertThat(again)
                    .extracting(ClaimResult::outcome)
                    .containsExactly(ClaimOutcome.DUPLICATE, ClaimOutcome.CLAIMED, ClaimOutcome.DUPLICATE);
            assertThat(again.get(0).existing().orElseThrow().state()).isEqualTo(ClaimState.COMPLETED);
            insertOrder(c, ns + "-2");
            c.commit();
        }
        assertThat(orderExists(dialect, ns + "-2")).isTrue();
    }

    @ParameterizedTest
    @EnumSource(SqlDialect.class)
    @DisplayName("a rolled-back transaction leaves neither the change nor the claim: the key is claimable")
    void shouldRollBackClaimWithChange(SqlDialect dialect) throws SQLException {
        TransactionalClaims claims = TransactionalClaims.of(dialect, TABLE);
        String ns = "tx-" + UUID.randomUUID();
        try (Connection c = transaction(dialect)) {
            assertThat(claims.claimCompleted(c, List.of(request(ns, "order-1", 1)), RETENTION)
                            .get(0)
                            .outcome())
                    .isEqualTo(ClaimOutcome.CLAIMED);
            insertOrder(c, ns);
            c.rollback();
        }
        assertThat(orderExists(dialect, ns)).isFalse();
        try (IdempotencyStore store = store(dialect)) {
            assertThat(store.find(ns, "order-1")).isEmpty();
        }
        try (Connection c = transaction(dialect)) {
            assertThat(claims.claimCompleted(c, List.of(request(ns, "order-1", 1)), RETENTION)
                            .get(0)
                            .outcome())
                    .isEqualTo(ClaimOutcome.CLAIMED);
            c.commit();
        }
    }

    @ParameterizedTest
    @EnumSource(SqlDialect.class)
    @DisplayName("a second transaction on the same key waits for the first: DUPLICATE after its commit")
    void shouldBlockUntilFirstCommits(SqlDialect dialect) throws Exception {
        race(dialect, true);
    }

    @ParameterizedTest
    @EnumSource(SqlDialect.class)
    @DisplayName("a second transaction on the same key waits for the first: CLAIMED after its rollback")
    void shouldBlockUntilFirstRollsBack(SqlDialect dialect) throws Exception {
        race(dialect, false);
    }

    private void race(SqlDialect dialect, boolean commitFirst) throws Exception {
        TransactionalClaims claims = TransactionalClaims.of(dialect, TABLE);
        String ns = "tx-" + UUID.randomUUID();
        try (Connection first = transaction(dialect);
                Connection second = transaction(dialect)) {
            assertThat(claims.claimCompleted(first, List.of(request(ns, "order-1", 1)), RETENTION)
                            .get(0)
                            .outcome())
                    .isEqualTo(ClaimOutcome.CLAIMED);
            // Another copy of the event (another offset) reaches a second transaction.
            CompletableFuture<ClaimResult> blocked = CompletableFuture.supplyAsync(
                    () -> claims.claimCompleted(second, List.of(request(ns, "order-1", 2)), RETENTION)
                            .get(0));
            Thread.sleep(500);
            assertThat(blocked)
                    .as("the second transaction waits for the first's row lock")
                    .isNotDone();
            if (commitFirst) {
                first.commit();
            } else {
                first.rollback();
            }
            ClaimResult result = blocked.get(30, TimeUnit.SECONDS);
            if (commitFirst) {
                assertThat(result.outcome()).isEqualTo(ClaimOutcome.DUPLICATE);
                assertThat(result.existing().orElseThrow().state()).isEqualTo(ClaimState.COMPLETED);
                assertThat(result.existing().orElseThrow().origin()).isEqualTo(new Origin("orders", 0, 1));
            } else {
                assertThat(result.outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            }
            second.commit();
        }
    }
}
