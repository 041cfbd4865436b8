package io.github.kdedup.examples.reliability;

import com.zaxxer.hikari.HikariDataSource;
import io.github.kdedup.spring.kafka.TransactionalDedup;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/**
 * The Spring Boot application that {@link SpringCrashRecoveryTest} runs in a child JVM and kills
 * with SIGKILL: {@code @KafkaListener}s with the kdedup starter, applying each event to the
 * PostgreSQL ledger ({@link CrashLedger}) and printing {@code H} to stdout per record handled, which
 * the test reads to time its kills. Arguments are Spring properties ({@code --name=value}). Two
 * listeners, each on its own topic, group and ledger ({@code crash.tx.*}, {@code crash.container.*}),
 * so that one kill hits both modes:
 *
 * <ul>
 *   <li>{@code tx}: a {@code @Transactional} listener that claims with {@link TransactionalDedup} in
 *       the ledger write's own transaction ({@code kdedup.spring.enabled=false} on the listener);
 *   <li>{@code container}: a listener without kdedup code; the starter's container-level claims on
 *       the JDBC store, the ledger written in autocommit.
 * </ul>
 *
 * The DataSource and its transaction manager are declared here rather than by Boot's JDBC
 * auto-configuration, which is not on the examples' class path (it would make every other Boot
 * application of the module require a database).
 */
public final class SpringCrashConsumerMain {

    private SpringCrashConsumerMain() {}

    public static void main(String[] args) {
        new SpringApplicationBuilder(App.class, TxListener.class, ContainerListener.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .bannerMode(org.springframework.boot.Banner.Mode.OFF)
                .run(args);
        say("READY");
    }

    /** The application: the DataSource on the test's PostgreSQL, and a transaction manager for it. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableTransactionManagement
    static class App {

        @Bean
        HikariDataSource dataSource(@Value("${crash.ledger-url}") String url) {
            // pooled: a connection per transaction and per store call would dominate the run time
            HikariDataSource dataSource = new HikariDataSource();
            dataSource.setJdbcUrl(url);
            dataSource.setMaximumPoolSize(4);
            return dataSource;
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }

    /** Claims in the ledger write's transaction: the claim row and the effect commit together. */
    public static class TxListener {
        private final TransactionalDedup dedup;
        private final DataSource dataSource;
        private final String ledger;
        private final long sleepMillis;

        public TxListener(
                TransactionalDedup dedup,
                DataSource dataSource,
                @Value("${crash.tx.ledger}") String ledger,
                @Value("${crash.sleep-millis}") long sleepMillis) {
            this.dedup = dedup;
            this.dataSource = dataSource;
            this.ledger = ledger;
            this.sleepMillis = sleepMillis;
        }

        @Transactional
        @KafkaListener(
                topics = "${crash.tx.topic}",
                groupId = "${crash.tx.group}",
                properties = "kdedup.spring.enabled=false")
        public void listen(ConsumerRecord<String, String> record) throws SQLException, InterruptedException {
            Thread.sleep(sleepMillis);
            if (dedup.claim(record)) {
                // the transaction's connection, bound by the transaction manager
                Connection db = DataSourceUtils.getConnection(dataSource);
                CrashLedger.apply(db, ledger, CrashConsumerMain.eventId(record), record);
            }
            say("H");
        }
    }

    /** No kdedup code: the starter's container-level claims guard it. */
    public static class ContainerListener {
        private final DataSource dataSource;
        private final String ledger;
        private final long sleepMillis;

        public ContainerListener(
                DataSource dataSource,
                @Value("${crash.container.ledger}") String ledger,
                @Value("${crash.sleep-millis}") long sleepMillis) {
            this.dataSource = dataSource;
            this.ledger = ledger;
            this.sleepMillis = sleepMillis;
        }

        @KafkaListener(topics = "${crash.container.topic}", groupId = "${crash.container.group}")
        public void listen(ConsumerRecord<String, String> record) throws SQLException, InterruptedException {
            Thread.sleep(sleepMillis);
            try (Connection db = dataSource.getConnection()) {
                CrashLedger.apply(db, ledger, CrashConsumerMain.eventId(record), record);
            }
            say("H");
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
