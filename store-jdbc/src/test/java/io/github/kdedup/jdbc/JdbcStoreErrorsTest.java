package io.github.kdedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStores;
import java.net.ServerSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Bad configuration fails at open, with an error that says what was wrong. */
@DisplayName("JDBC store configuration errors")
class JdbcStoreErrorsTest {

    private static final String SECRET = "Hunter2-do-not-log";

    @Test
    @DisplayName("a table name with SQL in it is rejected before anything is sent to the database")
    void shouldRejectTableNameWithSql() {
        assertThatThrownBy(() -> IdempotencyStores.open(
                        Databases.with(Databases.postgresUrl(), "kdedupTable=claims;%20drop%20table%20x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table must be an SQL identifier")
                .hasMessageContaining("claims; drop table x");
        assertThatThrownBy(() -> JdbcIdempotencyStore.ddl(SqlDialect.POSTGRESQL, "a.b.c"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TransactionalClaims.of(SqlDialect.MARIADB, "1table"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(JdbcIdempotencyStore.ddl(SqlDialect.POSTGRESQL, "app.claims"))
                .contains("CREATE TABLE IF NOT EXISTS app.claims (")
                .contains("claims_expires_at_idx ON app.claims");
    }

    @Test
    @DisplayName("an unknown kdedup parameter is rejected, naming the accepted ones")
    void shouldRejectUnknownParameter() {
        assertThatThrownBy(() -> IdempotencyStores.open(
                        Databases.with(Databases.postgresUrl(), "kdedupTabel=x&password=" + SECRET)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kdedupTabel")
                .hasMessageContaining("kdedupTable")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    @DisplayName("a wrong database on the shared server (which trusts every user) fails at open, without the password")
    void shouldRejectWrongDatabase() {
        String url = Databases.postgresUrl().replace("/test", "/no_such_db_kdedup") + "&password=" + SECRET;
        assertThatThrownBy(() -> IdempotencyStores.open(url))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("cannot connect")
                .hasMessageContaining("no_such_db_kdedup")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    @DisplayName("an unreachable port fails at open within the connection timeout, naming the address")
    void shouldRejectUnreachablePort() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String pgUrl = "jdbc:postgresql://127.0.0.1:" + port + "/test?user=postgres&password=" + SECRET
                + "&kdedupConnectionTimeout=PT1S";
        assertThatThrownBy(() -> IdempotencyStores.open(pgUrl))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("cannot connect")
                .hasMessageContaining(String.valueOf(port))
                .hasMessageNotContaining(SECRET);
        String mariaUrl = "jdbc:mariadb://127.0.0.1:" + port + "/test?user=root&password=" + SECRET
                + "&kdedupConnectionTimeout=PT1S";
        assertThatThrownBy(() -> IdempotencyStores.open(mariaUrl))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("cannot connect")
                .hasMessageNotContaining(SECRET)
                .satisfies(e -> {
                    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                        assertThat(String.valueOf(t.getMessage())).doesNotContain(SECRET);
                    }
                });
    }

    @Test
    @DisplayName("a missing table with creation off fails at open, telling how to create it")
    void shouldRejectMissingTableWhenCreationIsOff() {
        for (String url : new String[] {Databases.postgresUrl(), Databases.mariadbUrl()}) {
            String table = Databases.randomTable();
            assertThatThrownBy(() -> IdempotencyStores.open(
                            Databases.with(url, "kdedupTable=" + table + "&kdedupCreateTable=false")))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("table " + table + " is missing")
                    .hasMessageContaining("io/github/kdedup/jdbc/")
                    .hasMessageContaining("turn table creation on");
        }
    }

    @Test
    @DisplayName("the description names dialect, table and URL, never the password")
    void shouldDescribeWithoutPassword() {
        String table = Databases.randomTable();
        try (IdempotencyStore store =
                IdempotencyStores.open(Databases.with(Databases.mariadbUrl(), "kdedupTable=" + table + "&password="))) {
            assertThat(store.description())
                    .startsWith("jdbc store (mariadb, table " + table + ", jdbc:mariadb://")
                    .isEqualTo(store.toString());
            assertThat(store.capabilities().shared()).isTrue();
        } finally {
            Databases.drop(Databases.mariadbUrl(), table);
        }
    }

    @Test
    @DisplayName("a jdbc:mysql URL opens through the MariaDB driver and dialect")
    void shouldOpenMysqlScheme() {
        String table = Databases.randomTable();
        String mysql = Databases.mariadbUrl().replace("jdbc:mariadb:", "jdbc:mysql:");
        try (IdempotencyStore store = IdempotencyStores.open(Databases.with(mysql, "kdedupTable=" + table))) {
            assertThat(store.description()).startsWith("jdbc store (mariadb, table " + table);
            assertThat(store.find("ns", "absent")).isEmpty();
        } finally {
            Databases.drop(Databases.mariadbUrl(), table);
        }
    }
}
