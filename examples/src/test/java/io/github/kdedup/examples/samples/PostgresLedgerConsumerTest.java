package io.github.kdedup.examples.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import io.github.kdedup.jdbc.SqlDialect;
import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

@DisplayName("The PostgreSQL ledger consumer")
class PostgresLedgerConsumerTest {

    private static final int EVENTS = 300;

    private static PGSimpleDataSource database;

    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final String claimsTable = "kdedup_sample_claims_" + suffix;
    private final String ledgerTable = "kdedup_sample_ledger_" + suffix;

    @BeforeAll
    static void start() {
        database = new PGSimpleDataSource();
        database.setURL(TestServices.postgresUrl());
    }

    @BeforeEach
    void createTables() throws SQLException {
        // The store creates its table at start; the consumer then writes to it through TransactionalClaims.
        JdbcIdempotencyStore.builder(database)
                .dialect(SqlDialect.POSTGRESQL)
                .table(claimsTable)
                .build()
                .close();
        try (Connection c = database.getConnection();
                Statement s = c.createStatement()) {
            // No unique constraint on event_id: a second application would show as a second row.
            s.execute("CREATE TABLE " + ledgerTable
                    + " (id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL, payload TEXT NOT NULL)");
        }
    }

    @AfterEach
    void dropTables() throws SQLException {
        try (Connection c = database.getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + claimsTable);
            s.execute("DROP TABLE IF EXISTS " + ledgerTable);
        }
    }

    /** A topic of {@value #EVENTS} events of which about 30 % were written twice. */
    private static String seededTopic() throws Exception {
        String topic = "payments-" + UUID.randomUUID();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(2), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        EventProducer.Produced produced =
                new EventProducer(TestKafka.bootstrapServers(), topic, 17).produce("pay", EVENTS, 0.3);
        assertThat(produced.copies()).isPositive();
        return topic;
    }

    private static String eventId(ConsumerRecord<String, String> record) {
        return new String(record.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8);
    }

    /** The business change: one ledger row per event, or, for {@code failFor}, an insert that violates NOT NULL. */
    private PostgresLedgerConsumer.BusinessChange insertRow(Map<String, AtomicInteger> attempts, String failFor) {
        return (connection, record) -> {
            String id = eventId(record);
            boolean fail =
                    attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet() == 1 && id.equals(failFor);
            try (PreparedStatement insert =
                    connection.prepareStatement("INSERT INTO " + ledgerTable + " (event_id, payload) VALUES (?, ?)")) {
                insert.setString(1, fail ? null : id);
                insert.setString(2, record.value());
                insert.executeUpdate();
            }
        };
    }

    /** Rows per event id. */
    private Map<String, Integer> ledger() throws SQLException {
        Map<String, Integer> rows = new HashMap<>();
        try (Connection c = database.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT event_id, count(*) FROM " + ledgerTable + " GROUP BY event_id")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getInt(2));
            }
        }
        return rows;
    }

    /** Stops 1.5 s after every event has its row, so that a late second row would be seen. */
    private BooleanSupplier whenLedgerComplete() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long[] completeAt = {0};
        return () -> {
            try {
                if (completeAt[0] == 0 && ledger().size() >= EVENTS) {
                    completeAt[0] = System.nanoTime();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return System.nanoTime() > deadline
                    || completeAt[0] != 0 && System.nanoTime() - completeAt[0] > 1_500_000_000L;
        };
    }

    private static void assertEachEventOnce(Map<String, Integer> rows) {
        assertThat(rows).hasSize(EVENTS);
        assertThat(rows.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
    }

    @Test
    @DisplayName("writes each republished event once, also when a poll is redelivered after its database commit")
    void shouldWriteEachEventOnceAcrossARedelivery() throws Exception {
        String topic = seededTopic();
        String group = "ledger-" + UUID.randomUUID();
        PostgresLedgerConsumer ledgerConsumer =
                new PostgresLedgerConsumer(database, claimsTable, group, insertRow(new ConcurrentHashMap<>(), ""));

        // A member that commits its database transaction and dies before committing the offsets.
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                group,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class);
        int appliedBeforeCrash = 0;
        try (KafkaConsumer<String, String> crashing = new KafkaConsumer<>(props)) {
            crashing.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (appliedBeforeCrash == 0 && System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = crashing.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    appliedBeforeCrash = ledgerConsumer.applyInOneTransaction(records);
                }
            }
        }
        assertThat(appliedBeforeCrash).isPositive();
        assertThat(ledger()).hasSize(appliedBeforeCrash);
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            assertThat(admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get())
                    .as("no offset was committed, so the next member reads those records again")
                    .isEmpty();
        }

        // A new member of the group: the redelivered records are DUPLICATE, the rest is applied once.
        ledgerConsumer.run(TestKafka.bootstrapServers(), topic, whenLedgerComplete());

        assertEachEventOnce(ledger());
    }

    @Test
    @DisplayName("a rolled-back poll leaves its keys claimable and is applied on the retry")
    void shouldApplyARolledBackPollOnTheRetry() throws Exception {
        String topic = seededTopic();
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        String failing = "pay-" + (EVENTS / 2);
        PostgresLedgerConsumer ledgerConsumer = new PostgresLedgerConsumer(
                database, claimsTable, "ledger-" + UUID.randomUUID(), insertRow(attempts, failing));

        ledgerConsumer.run(TestKafka.bootstrapServers(), topic, whenLedgerComplete());

        assertEachEventOnce(ledger());
        // Failed once (rolled back with its claim), applied on the retry: the rollback did not leave it COMPLETED.
        assertThat(attempts.get(failing)).hasValue(2);
    }
}
