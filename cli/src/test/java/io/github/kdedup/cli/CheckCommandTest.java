package io.github.kdedup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.tck.Redis62Binary;
import io.github.kdedup.tck.RedisServerProcess;
import io.github.kdedup.tck.TestServices;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("kdedup check")
class CheckCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int check(String uri) {
        int code = Kdedup.execute(
                new String[] {"check", "--store", uri}, new PrintWriter(out, true), new PrintWriter(err, true));
        System.out.println(out + "" + err);
        return code;
    }

    private static String table() {
        return "kdedup_check_test_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    private static String with(String url, String parameters) {
        return url + (url.contains("?") ? "&" : "?") + parameters;
    }

    private static void sql(String url, String... statements) throws SQLException {
        // the URL's user and password reach DriverManager as URL parameters, which both drivers accept
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    @Test
    @DisplayName("warns that memory: is not shared between processes, with exit code 1")
    void shouldWarnOnMemory() {
        assertThat(check("memory:")).isEqualTo(CheckCommand.WARN);
        assertThat(out.toString())
                .containsPattern("(?m)^  OK    reachable +")
                .containsPattern("(?m)^  WARN  sharing +each JVM has its own memory store")
                .contains("RESULT: WARN (0 FAIL, 1 WARN, 1 OK)");
    }

    @Test
    @DisplayName("rejects an unknown scheme in one line, with exit code 2")
    void shouldRejectAnUnknownScheme() {
        assertThat(check("mongodb://db")).isEqualTo(CheckCommand.FAIL);
        assertThat(err.toString().strip())
                .startsWith("error: no store opens 'mongodb:'")
                .doesNotContain("\n");
    }

    @Nested
    @DisplayName("on Redis")
    class OnRedis {

        @Test
        @DisplayName("reads the shared server's version, policy, persistence and replication")
        void shouldCheckTheSharedServer() {
            int code = check(TestServices.redisUri());

            assertThat(out.toString())
                    .containsPattern("(?m)^  OK    reachable +PING answered in \\d+ ms")
                    .containsPattern("(?m)^  OK    server version +(Redis|Valkey) [7-9]")
                    .containsPattern("(?m)^  (OK  |WARN|FAIL)  maxmemory-policy +")
                    .containsPattern("(?m)^  (OK  |WARN)  persistence +")
                    .containsPattern("(?m)^  (OK  |WARN)  replication +")
                    .containsPattern("(?m)^RESULT: ");
            assertThat(code).isBetween(0, 2);
        }

        @Test
        @DisplayName("fails a Redis with maxmemory-policy allkeys-lru, saying to set noeviction")
        void shouldFailAnEvictingRedis() {
            try (RedisServerProcess redis =
                    RedisServerProcess.start("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")) {
                assertThat(check(redis.uri())).isEqualTo(CheckCommand.FAIL);
            }
            assertThat(out.toString())
                    .containsPattern(
                            "(?m)^  FAIL  maxmemory-policy +allkeys-lru with maxmemory 67108864 bytes: Redis may evict")
                    .contains("set maxmemory-policy noeviction")
                    .contains("RESULT: FAIL");
        }

        @Test
        @DisplayName("passes the policy and persistence of a noeviction Redis with appendfsync always")
        void shouldPassADurableRedis() {
            try (RedisServerProcess redis = RedisServerProcess.start(
                    "--maxmemory", "64mb",
                    "--maxmemory-policy", "noeviction",
                    "--appendonly", "yes",
                    "--appendfsync", "always")) {
                assertThat(check(redis.uri()))
                        .as("only the missing replica warns")
                        .isEqualTo(CheckCommand.WARN);
            }
            assertThat(out.toString())
                    .containsPattern("(?m)^  OK    maxmemory-policy +noeviction")
                    .containsPattern("(?m)^  OK    persistence +appendonly yes, appendfsync always")
                    .containsPattern("(?m)^  WARN  replication +master without replicas")
                    .contains("RESULT: WARN (0 FAIL, 1 WARN, 5 OK)");
        }

        @Test
        @DisplayName("passes a Redis 6.2, whose claims run as a script")
        void shouldPassRedis62() {
            try (RedisServerProcess redis = RedisServerProcess.startBinary(Redis62Binary.path())) {
                check(redis.uri());
            }
            assertThat(out.toString())
                    .containsPattern("(?m)^  OK    server version +Redis 6\\.2\\.[0-9]+: no SET ... NX GET before 7.0");
        }

        @Test
        @DisplayName("logs in with the URI's password and never prints it, also when it is wrong")
        void shouldNeverPrintThePassword() {
            try (RedisServerProcess redis = RedisServerProcess.start("--requirepass", "s3cret-pw")) {
                String uri = "redis://:s3cret-pw@127.0.0.1:" + redis.port();
                check(uri);
                assertThat(out.toString()).containsPattern("(?m)^  OK    reachable");

                out.getBuffer().setLength(0);
                assertThat(check("redis://:wrong-pw@127.0.0.1:" + redis.port())).isEqualTo(CheckCommand.FAIL);
                assertThat(out.toString()).containsPattern("(?m)^  FAIL  reachable +cannot talk to Redis");
            }
            assertThat(out + "" + err).doesNotContain("s3cret-pw", "wrong-pw");
        }

        @Test
        @DisplayName("fails an unreachable server with exit code 2 and what to check")
        void shouldFailAnUnreachableServer() throws Exception {
            int port = RedisServerProcess.freePort();
            assertThat(check("redis://127.0.0.1:" + port)).isEqualTo(CheckCommand.FAIL);
            assertThat(out.toString())
                    .containsPattern("(?m)^  FAIL  reachable +cannot talk to Redis at 127.0.0.1:" + port)
                    .contains("check host, port, password");
        }
    }

    abstract class OnSql {

        abstract String url();

        abstract String wrongDdl(String table);

        @Test
        @DisplayName("passes a table the store created, with a purge configured")
        void shouldPassTheShippedTable() throws Exception {
            String table = table();
            String uri = with(url(), "kdedupTable=" + table + "&kdedupPurgeEvery=PT5M");
            IdempotencyStores.open(uri).close(); // creates the table with the shipped DDL
            try {
                assertThat(check(uri)).isEqualTo(CheckCommand.OK);
                assertThat(out.toString())
                        .containsPattern("(?m)^  OK    reachable +connected as ")
                        .containsPattern("(?m)^  OK    server version +")
                        .containsPattern("(?m)^  OK    table " + table + " +present, 10 columns")
                        .containsPattern("(?m)^  OK    table DDL +columns, primary key and expires_at index match")
                        .containsPattern("(?m)^  OK    rows +0")
                        .containsPattern("(?m)^  OK    expired rows +0 expired rows waiting for the purge")
                        .containsPattern("(?m)^  OK    purge +kdedupPurgeEvery=PT5M")
                        .contains("RESULT: OK");
            } finally {
                sql(url(), "DROP TABLE IF EXISTS " + table);
            }
            assertThat(out.toString()).as("the scratch table is gone").doesNotContain("kdedup_check_" + "0");
        }

        @Test
        @DisplayName("fails a table with the wrong DDL, naming the column and what kdedup needs")
        void shouldFailAWrongTable() throws Exception {
            String table = table();
            sql(url(), wrongDdl(table));
            try {
                assertThat(check(with(url(), "kdedupTable=" + table))).isEqualTo(CheckCommand.FAIL);
                assertThat(out.toString())
                        .containsPattern("(?m)^  FAIL  table DDL +.*column claim_key is .*, kdedup needs ")
                        .contains("column fingerprint is missing")
                        .contains("recreate the table with the shipped DDL")
                        .containsPattern("(?m)^  WARN  purge +this URI sets no kdedupPurgeEvery");
            } finally {
                sql(url(), "DROP TABLE IF EXISTS " + table);
            }
        }

        @Test
        @DisplayName("fails an absent table the store may not create")
        void shouldFailAnAbsentTable() {
            String table = table();
            assertThat(check(with(url(), "kdedupTable=" + table + "&kdedupCreateTable=false")))
                    .isEqualTo(CheckCommand.FAIL);
            assertThat(out.toString())
                    .containsPattern("(?m)^  FAIL  table " + table + " +absent and kdedupCreateTable=false");
        }

        @Test
        @DisplayName("never prints the URI's password")
        void shouldNeverPrintThePassword() {
            check(with(url(), "password=s3cret-pw&kdedupTable=" + table()));
            assertThat(out + "" + err).doesNotContain("s3cret-pw");
        }
    }

    @Nested
    @DisplayName("on PostgreSQL")
    class OnPostgres extends OnSql {
        @Override
        String url() {
            return TestServices.postgresUrl();
        }

        @Override
        String wrongDdl(String table) {
            return "CREATE TABLE " + table + " (namespace text NOT NULL, claim_key varchar(100) NOT NULL,"
                    + " state text NOT NULL, token text NOT NULL, owner text NOT NULL, origin_topic text NOT NULL,"
                    + " origin_partition integer NOT NULL, origin_offset bigint NOT NULL,"
                    + " expires_at timestamptz NOT NULL, PRIMARY KEY (namespace, claim_key))";
        }
    }

    @Nested
    @DisplayName("on MariaDB")
    class OnMariaDb extends OnSql {
        @Override
        String url() {
            return TestServices.mariadbUrl();
        }

        @Override
        String wrongDdl(String table) {
            return "CREATE TABLE " + table + " (namespace VARBINARY(128) NOT NULL, claim_key VARCHAR(100) NOT NULL,"
                    + " state VARCHAR(11) NOT NULL, token VARCHAR(64) NOT NULL, owner VARCHAR(255) NOT NULL,"
                    + " origin_topic VARCHAR(249) NOT NULL, origin_partition INT NOT NULL,"
                    + " origin_offset BIGINT NOT NULL, expires_at DATETIME(6) NOT NULL,"
                    + " PRIMARY KEY (namespace, claim_key)) ENGINE = InnoDB";
        }
    }
}
