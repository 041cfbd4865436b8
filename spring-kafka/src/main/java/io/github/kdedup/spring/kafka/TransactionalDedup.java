package io.github.kdedup.spring.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import io.github.kdedup.jdbc.SqlDialect;
import io.github.kdedup.jdbc.TransactionalClaims;
import io.github.kdedup.kafka.Decision;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupEngine;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.kafka.support.KafkaUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Claims events inside the listener's own database transaction: the exactly-once-effects mode for a
 * {@code @Transactional} listener that writes to the same database as the JDBC store.
 *
 * <pre>{@code
 * @Transactional
 * @KafkaListener(topics = "orders", properties = "kdedup.spring.enabled=false")
 * void on(ConsumerRecord<String, String> record) {
 *     if (!dedup.claim(record)) {
 *         return; // a duplicate: already applied
 *     }
 *     jdbc.update("insert into orders ...");
 * }
 * }</pre>
 *
 * <p>The claim row is written as COMPLETED on the connection of the transaction Spring's transaction
 * synchronisation holds for the {@link DataSource} (no second pool, no lease): when the transaction
 * commits, the business change and "processed" commit together; when it rolls back (the listener
 * threw), both are gone and the error handler's redelivery claims afresh. Policies, metrics and the
 * duplicate log come from core's {@link DedupEngine}. Turn the container-level deduplication off for
 * such a listener ({@code kdedup.spring.enabled=false}): it would claim the same key first.
 *
 * <p>The namespace is {@link DedupConfig#namespace()} when set, otherwise the listener's group id.
 * Thread-safe; each call works on the calling thread's transaction.
 */
public final class TransactionalDedup {

    private final DataSource dataSource;
    private final DedupConfig config;
    private final String table;
    private final Map<String, DedupEngine> engines = new ConcurrentHashMap<>();
    private volatile @Nullable TransactionalClaims claims;

    private TransactionalDedup(DataSource dataSource, DedupConfig config, String table) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.config = Objects.requireNonNull(config, "config");
        this.table = Objects.requireNonNull(table, "table");
    }

    /**
     * Creates the claimer on the default table, which must exist (a {@link JdbcIdempotencyStore} on the
     * same DataSource creates it).
     *
     * @param dataSource the application's DataSource, managed by its transaction manager
     * @param config the settings (key, retention, policies, metrics)
     * @return the claimer
     */
    public static TransactionalDedup create(DataSource dataSource, DedupConfig config) {
        return new TransactionalDedup(dataSource, config, JdbcIdempotencyStore.DEFAULT_TABLE);
    }

    /**
     * Like {@link #create(DataSource, DedupConfig)}, on another table.
     *
     * @param dataSource the DataSource
     * @param config the settings
     * @param table the table, as for {@link JdbcIdempotencyStore.Builder#table}
     * @return the claimer
     */
    public static TransactionalDedup create(DataSource dataSource, DedupConfig config, String table) {
        return new TransactionalDedup(dataSource, config, table);
    }

    /**
     * Claims one record in the current transaction.
     *
     * @param record the record
     * @return true to process it (in this transaction), false when it is a duplicate (or skipped)
     * @throws IllegalStateException when no transaction on this DataSource is active
     * @throws IdempotencyStoreException when the database fails (roll back: let it propagate)
     */
    public boolean claim(ConsumerRecord<?, ?> record) {
        return !claim(List.of(record)).isEmpty();
    }

    /**
     * Claims a batch in the current transaction, in one statement.
     *
     * @param records the records
     * @param <K> the key type
     * @param <V> the value type
     * @return the records to process, in order
     * @throws IllegalStateException when no transaction on this DataSource is active
     * @throws IdempotencyStoreException when the database fails (roll back: let it propagate)
     */
    public <K, V> List<ConsumerRecord<K, V>> claim(List<ConsumerRecord<K, V>> records) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("TransactionalDedup.claim needs an active transaction on the "
                    + "application's DataSource: call it inside a @Transactional listener whose transaction "
                    + "manager manages that DataSource");
        }
        String namespace = config.namespace() != null ? config.namespace() : KafkaUtils.getConsumerGroupId();
        if (namespace == null) {
            throw new IllegalStateException("no namespace: set kdedup.namespace, or call claim on a listener "
                    + "thread of a container with a group id");
        }
        DedupEngine engine = engines.computeIfAbsent(
                namespace,
                ns -> DedupEngine.create(
                        new InTransaction(),
                        config.toBuilder().namespace(ns).build(),
                        DedupEngine.newOwner(null, "transactional")));
        List<ConsumerRecord<K, V>> process = new ArrayList<>(records.size());
        for (Decision<K, V> d : engine.decide(records)) {
            if (d.verdict().process()) {
                process.add(d.record());
            }
        }
        return Collections.unmodifiableList(process);
    }

    private TransactionalClaims claims(Connection connection) throws SQLException {
        TransactionalClaims c = claims;
        if (c == null) {
            SqlDialect dialect =
                    SqlDialect.forProductName(connection.getMetaData().getDatabaseProductName());
            c = TransactionalClaims.of(dialect, table);
            claims = c;
        }
        return c;
    }

    /**
     * The engine's view of the transaction: a claim writes COMPLETED rows on the transaction's
     * connection; completion and release have nothing left to do (commit or rollback decides).
     */
    private final class InTransaction implements IdempotencyStore {

        @Override
        public List<ClaimResult> claim(List<ClaimRequest> requests) {
            Connection connection = DataSourceUtils.getConnection(dataSource);
            try {
                return claims(connection).claimCompleted(connection, requests, config.retention());
            } catch (SQLException e) {
                throw new IdempotencyStoreException(description(), "claim", String.valueOf(e.getMessage()), e);
            } finally {
                DataSourceUtils.releaseConnection(connection, dataSource);
            }
        }

        @Override
        public List<Boolean> complete(List<Claim> claims, Duration retention) {
            return Collections.nCopies(claims.size(), true);
        }

        @Override
        public List<Boolean> release(List<Claim> claims) {
            return Collections.nCopies(claims.size(), true);
        }

        @Override
        public Optional<StoredRecord> find(String namespace, String key) {
            throw new UnsupportedOperationException("read the table with the application's JdbcIdempotencyStore");
        }

        @Override
        public StoreCapabilities capabilities() {
            throw new UnsupportedOperationException("not a store");
        }

        @Override
        public String description() {
            return "jdbc transactional claims (table " + table + ")";
        }

        @Override
        public void close() {}
    }
}
