package io.github.kdedup.spring.boot;

import static io.github.kdedup.spring.boot.Ledger.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import io.github.kdedup.spring.kafka.TransactionalDedup;
import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.transaction.annotation.Transactional;

@DisplayName("A @Transactional listener on the application's DataSource (PostgreSQL)")
class TransactionalListenerTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class TxApp {
        @Bean
        TxListener txListener(
                Ledger ledger, TransactionalDedup dedup, JdbcTemplate jdbc, @Value("${test.table}") String table) {
            return new TxListener(ledger, dedup, jdbc, table);
        }
    }

    /** Writes each event into a ledger table in the same transaction as its claim. */
    static class TxListener {
        private final Ledger ledger;
        private final TransactionalDedup dedup;
        private final JdbcTemplate jdbc;
        private final String table;

        TxListener(Ledger ledger, TransactionalDedup dedup, JdbcTemplate jdbc, String table) {
            this.ledger = ledger;
            this.dedup = dedup;
            this.jdbc = jdbc;
            this.table = table;
        }

        @Transactional
        @KafkaListener(topics = "${test.topic}", groupId = "${test.group}", properties = "kdedup.spring.enabled=false")
        public void listen(ConsumerRecord<String, String> record) {
            if (!dedup.claim(record)) {
                return;
            }
            jdbc.update("insert into " + table + " values (?)", record.key());
            // fails after the write when planned: the write and the claim roll back together
            ledger.handle(record);
        }
    }

    @Test
    @DisplayName("applies each event once, claim and effect committed or rolled back together")
    void shouldApplyEachEventOnceInTheListenersTransaction() throws SQLException {
        String url = TestServices.postgresUrl();
        String table = "tx_ledger_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = DriverManager.getConnection(url)) {
            c.createStatement().execute("create table " + table + " (event_id varchar(64) not null)");
        }
        String topic = TestKafka.createTopic("tx", 1);
        TestKafka.publish(topic, List.of("t1", "t2", "t3", "t1", "t2", "t4"));
        Ledger ledger = new Ledger();
        ledger.failures.put("t3", 1);
        String group = "g-" + UUID.randomUUID().toString().substring(0, 8);
        try (ConfigurableApplicationContext app = TestApps.start(
                TxApp.class,
                ledger,
                null,
                topic,
                group,
                "spring.datasource.url=" + url,
                "test.table=" + table,
                "kdedup.spring.data-source=true")) {
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            assertThat(app.getBean(IdempotencyStore.class)).isInstanceOf(JdbcIdempotencyStore.class);
            await(Duration.ofSeconds(60), () -> ledger.processed.size() == 4, "4 events applied");
            Map<String, Long> rows = jdbc.queryForList("select event_id from " + table, String.class).stream()
                    .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
            assertThat(rows).isEqualTo(Map.of("t1", 1L, "t2", 1L, "t3", 1L, "t4", 1L));
            assertThat(ledger.attempts("t3")).isEqualTo(2);
            assertThat(TestApps.count(app, "kdedup.duplicates", "cause", "republished"))
                    .isEqualTo(2);
            jdbc.execute("drop table " + table);
        }
    }
}
