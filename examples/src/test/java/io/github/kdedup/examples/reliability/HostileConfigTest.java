package io.github.kdedup.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import io.github.kdedup.tck.LocalPostgres;
import io.github.kdedup.tck.RedisServerProcess;
import io.github.kdedup.tck.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Bad settings at the user's entry points: consumer properties (the interceptor, through {@code new
 * KafkaConsumer}), {@link IdempotencyStores#open} and the {@link DedupConfig} builder. Each must fail
 * at once with a message that names what is wrong and what to do, and never with a password in it.
 */
@DisplayName("Hostile settings")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileConfigTest {

    private static final String PASSWORD =
            "hostile-Pw-" + UUID.randomUUID().toString().substring(0, 8);

    private RedisServerProcess redis;
    private LocalPostgres postgres;

    @BeforeAll
    void startServers() {
        redis = RedisServerProcess.start("--requirepass", PASSWORD);
        postgres = LocalPostgres.start(PASSWORD);
    }

    @AfterAll
    void stopServers() {
        try {
            if (redis != null) {
                redis.close();
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    /** Builds a consumer with the interceptor and these kdedup properties; returns what it threw. */
    private static Throwable consumerFailure(Map<String, Object> kdedup) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "hostile-" + UUID.randomUUID());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
        p.putAll(kdedup);
        KafkaConsumer<String, String> consumer;
        try {
            consumer = new KafkaConsumer<>(p);
        } catch (RuntimeException e) {
            return e;
        }
        consumer.close();
        throw new AssertionError("the consumer was built although its kdedup settings are bad: " + kdedup);
    }

    /** Returns the first throwable of the chain of this type. */
    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in the cause chain of " + e, e);
    }

    @Nested
    @DisplayName("store URIs")
    class StoreUris {

        @Test
        @DisplayName("an unknown scheme names the known schemes, in every entry point")
        void shouldRejectAnUnknownScheme() {
            assertThatThrownBy(() -> IdempotencyStores.open("mongodb://127.0.0.1/x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no store opens 'mongodb:'")
                    .hasMessageContaining("schemes available now: [jdbc:mariadb, jdbc:mysql, jdbc:postgresql, memory,");
            Throwable consumer = consumerFailure(Map.of("kdedup.store", "mongodb://127.0.0.1/x"));
            assertThat(causeOf(consumer, IllegalArgumentException.class))
                    .hasMessageContaining("no store opens 'mongodb:'");
            assertThatThrownBy(() -> DedupConfig.builder().store("no scheme here"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("kdedup.store")
                    .hasMessageContaining("needs a scheme");
            assertThat(causeOf(consumerFailure(Map.of()), ConfigException.class))
                    .hasMessageContaining("kdedup.store");
        }

        @Test
        @DisplayName("a wrong Redis password fails the open with 'authentication failed' and no password")
        void shouldRejectAWrongRedisPassword() {
            String wrong = "redis://:wrong-" + PASSWORD + "@127.0.0.1:" + redis.port();
            assertThatThrownBy(() -> IdempotencyStores.open(wrong))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("authentication failed")
                    .hasMessageNotContaining(PASSWORD);
            Throwable consumer = consumerFailure(Map.of("kdedup.store", wrong));
            assertThat(causeOf(consumer, IdempotencyStoreException.class))
                    .hasMessageContaining("authentication failed")
                    .hasMessageNotContaining(PASSWORD);
            // The server itself is fine: the right password opens it.
            try (IdempotencyStore store =
                    IdempotencyStores.open("redis://:" + PASSWORD + "@127.0.0.1:" + redis.port())) {
                assertThat(store.description()).doesNotContain(PASSWORD);
            }
        }

        @Test
        @DisplayName("a wrong PostgreSQL password fails the open with the server's reason and no password")
        void shouldRejectAWrongPostgresPassword() throws Exception {
            String wrong = postgres.url() + "&password=wrong-" + PASSWORD + "&kdedupConnectionTimeout=PT2S";
            assertThatThrownBy(() -> IdempotencyStores.open(wrong))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("password authentication failed for user \"postgres\"")
                    .hasMessageContaining("check the host, port, database, user and password")
                    .hasMessageNotContaining(PASSWORD);
            Throwable consumer = consumerFailure(Map.of("kdedup.store", wrong));
            assertThat(causeOf(consumer, IdempotencyStoreException.class))
                    .hasMessageContaining("password authentication failed")
                    .hasMessageNotContaining(PASSWORD);
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setUrl(postgres.url());
            dataSource.setPassword("wrong-" + PASSWORD);
            assertThatThrownBy(() -> JdbcIdempotencyStore.builder(dataSource).build())
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("password authentication failed")
                    .hasMessageNotContaining(PASSWORD);
            try (IdempotencyStore store = IdempotencyStores.open(postgres.url() + "&password=" + PASSWORD)) {
                assertThat(store.description()).doesNotContain(PASSWORD);
            }
        }

        @Test
        @DisplayName("an unreachable host fails the open with 'connection refused' / 'cannot connect'")
        void shouldRejectAnUnreachableHost() throws Exception {
            int port = RedisServerProcess.freePort();
            assertThatThrownBy(() -> IdempotencyStores.open("redis://127.0.0.1:" + port + "?timeout=PT1S"))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("connection refused");
            assertThatThrownBy(() -> IdempotencyStores.open(
                            "jdbc:postgresql://127.0.0.1:" + port + "/test?user=postgres&kdedupConnectionTimeout=PT1S"))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("cannot connect");
            Throwable consumer =
                    consumerFailure(Map.of("kdedup.store", "redis-cluster://127.0.0.1:" + port + "?timeout=PT1S"));
            assertThat(causeOf(consumer, IdempotencyStoreException.class)).hasMessageContaining("127.0.0.1:" + port);
        }

        @Test
        @DisplayName("a table name with SQL in it is refused before any SQL runs, and nothing is dropped")
        void shouldRejectSqlInTheTableName() throws Exception {
            String url = TestServices.postgresUrl();
            String canary = "hostile_canary_"
                    + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
            try (Connection c = DriverManager.getConnection(url);
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + canary + " (id int)");
                for (String table : List.of(
                        "x;DROP TABLE " + canary, "x\"; DROP TABLE " + canary + "; --", canary + " --", "1abc")) {
                    String encoded = java.net.URLEncoder.encode(table, java.nio.charset.StandardCharsets.UTF_8);
                    assertThatThrownBy(() -> IdempotencyStores.open(url + "&kdedupTable=" + encoded))
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("table must be an SQL identifier");
                    PGSimpleDataSource dataSource = new PGSimpleDataSource();
                    dataSource.setUrl(url);
                    assertThatThrownBy(() -> JdbcIdempotencyStore.builder(dataSource)
                                    .table(table)
                                    .build())
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("table must be an SQL identifier");
                }
                try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + canary + "') IS NOT NULL")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBoolean(1))
                            .as("the canary table still exists")
                            .isTrue();
                }
            } finally {
                try (Connection c = DriverManager.getConnection(url);
                        Statement s = c.createStatement()) {
                    s.execute("DROP TABLE IF EXISTS " + canary);
                }
            }
        }
    }

    @Nested
    @DisplayName("durations")
    class Durations {

        @Test
        @DisplayName("a zero or negative lease is refused with the range, in properties and the builder")
        void shouldRejectZeroAndNegativeLeases() {
            for (String lease : List.of("PT0S", "-PT1M", "PT0.0001S", "five minutes")) {
                Throwable consumer = consumerFailure(Map.of("kdedup.store", "memory:", "kdedup.lease", lease));
                assertThat(causeOf(consumer, ConfigException.class))
                        .hasMessageContaining("kdedup.lease")
                        .hasMessageContaining(lease);
            }
            for (Duration lease : List.of(Duration.ZERO, Duration.ofSeconds(-1), Duration.ofDays(2))) {
                assertThatThrownBy(() -> DedupConfig.builder().lease(lease))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining("kdedup.lease")
                        .hasMessageContaining("must be between 1 ms");
            }
        }

        @Test
        @DisplayName("a retention shorter than the lease is refused with both values")
        void shouldRejectARetentionShorterThanTheLease() {
            Throwable consumer = consumerFailure(
                    Map.of("kdedup.store", "memory:", "kdedup.lease", "PT10M", "kdedup.retention", "PT1M"));
            assertThat(causeOf(consumer, ConfigException.class))
                    .hasMessageContaining("kdedup.retention (PT1M) must not be shorter than kdedup.lease (PT10M)");
            assertThatThrownBy(() -> DedupConfig.builder()
                            .store("memory:")
                            .lease(Duration.ofMinutes(10))
                            .retention(Duration.ofMinutes(1))
                            .build())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("must not be shorter than");
            assertThatThrownBy(() -> DedupConfig.builder().retention(Duration.ZERO))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("kdedup.retention");
        }
    }
}
