package io.github.kdedup.examples.samples;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.jdbc.SqlDialect;
import io.github.kdedup.jdbc.TransactionalClaims;
import io.github.kdedup.kafka.KeyExtractor;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Exactly-once effects in PostgreSQL: the "processed" mark of each event is written in the same
 * database transaction as the business row it guards, with {@link TransactionalClaims}. No lease,
 * no window: both commit or neither does.
 *
 * <h2>Per poll</h2>
 *
 * <ol>
 *   <li>One database transaction (autocommit off): {@code claimCompleted} for every record of the
 *       poll; the business change only for the records that answered CLAIMED or RECLAIMED; commit.
 *   <li>Then {@code commitSync} the offsets.
 * </ol>
 *
 * <p>A crash between the database commit and the offset commit redelivers the poll; its events are
 * then DUPLICATE and change nothing. A republished copy of an event (same {@code event-id} at
 * another offset) is DUPLICATE too. When the transaction fails (the business change throws, the
 * database is down), it is rolled back, which leaves the keys claimable, and the poll is read again
 * from its first offsets. A record that can never be applied therefore stalls its partition: real
 * code sends it to a dead-letter topic after a few attempts.
 *
 * <p>The claims table is the JDBC store's ({@link io.github.kdedup.jdbc.JdbcIdempotencyStore} creates
 * it, or run {@code JdbcIdempotencyStore.ddl(SqlDialect.POSTGRESQL, table)}); keep PostgreSQL's
 * default isolation, READ COMMITTED. Records without an {@code event-id} header are keyed by their
 * topic, partition and offset, which still absorbs redeliveries.
 *
 * <p>An instance may be shared by threads only for {@link #applyInOneTransaction}; {@link #run}
 * consumes on the calling thread. No argument may be null.
 */
public final class PostgresLedgerConsumer {

    /** The business change of one record, on the poll's connection; must not commit or roll back. */
    @FunctionalInterface
    public interface BusinessChange {

        /**
         * Applies one event.
         *
         * @param connection the poll's connection, inside its transaction
         * @param record the event
         * @throws SQLException to roll back the whole poll
         */
        void apply(Connection connection, ConsumerRecord<String, String> record) throws SQLException;
    }

    /** The dedup window: a copy republished later than this is applied again. */
    private static final Duration RETENTION = Duration.ofDays(7);

    private static final KeyExtractor EVENT_ID = KeyExtractor.header("event-id");
    private static final KeyExtractor OFFSET = KeyExtractor.topicPartitionOffset();

    private final DataSource database;
    private final TransactionalClaims claims;
    private final String groupId;
    private final String owner;
    private final BusinessChange change;

    /**
     * Creates the consumer.
     *
     * @param database the PostgreSQL database of both the claims and the business rows
     * @param claimsTable the claims table, such as {@code kdedup_claims}
     * @param groupId the consumer group, also kdedup's namespace
     * @param change the business change of one event
     */
    public PostgresLedgerConsumer(DataSource database, String claimsTable, String groupId, BusinessChange change) {
        this.database = Objects.requireNonNull(database, "database");
        this.claims = TransactionalClaims.of(SqlDialect.POSTGRESQL, claimsTable);
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.owner = groupId + "-" + UUID.randomUUID();
        this.change = Objects.requireNonNull(change, "change");
    }

    /**
     * Consumes {@code topic} until {@code stop} returns true.
     *
     * @param bootstrapServers the brokers
     * @param topic the topic
     * @param stop checked after each poll
     */
    public void run(String bootstrapServers, String topic, BooleanSupplier stop) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                groupId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            while (!stop.getAsBoolean()) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    applyInOneTransaction(records);
                } catch (SQLException | IdempotencyStoreException e) {
                    // Rolled back: nothing of this poll is claimed or written. Read it again.
                    for (TopicPartition partition : records.partitions()) {
                        consumer.seek(
                                partition, records.records(partition).get(0).offset());
                    }
                    continue;
                }
                // A crash here redelivers the poll, whose events are then DUPLICATE.
                consumer.commitSync();
            }
        }
    }

    /**
     * Claims the records and applies the owned ones in one database transaction, committed before
     * this method returns.
     *
     * @param records the records of one poll
     * @return how many records were applied; the others were duplicates
     * @throws SQLException when the transaction failed; it was rolled back
     * @throws IdempotencyStoreException when the claim failed; the transaction was rolled back
     */
    public int applyInOneTransaction(Iterable<ConsumerRecord<String, String>> records) throws SQLException {
        List<ConsumerRecord<String, String>> batch = new ArrayList<>();
        List<ClaimRequest> requests = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            String key = EVENT_ID.extract(record);
            batch.add(record);
            requests.add(new ClaimRequest(
                    groupId,
                    key != null ? key : Objects.requireNonNull(OFFSET.extract(record)),
                    new Origin(record.topic(), record.partition(), record.offset()),
                    owner,
                    null,
                    // Ignored: the claims are written COMPLETED, and no row is ever in progress.
                    Duration.ofMinutes(1)));
        }
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            try {
                int applied = 0;
                List<ClaimResult> results = claims.claimCompleted(connection, requests, RETENTION);
                for (int i = 0; i < results.size(); i++) {
                    if (results.get(i).owns()) {
                        change.apply(connection, batch.get(i));
                        applied++;
                    }
                }
                connection.commit();
                return applied;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollbackFailed) {
                    e.addSuppressed(rollbackFailed);
                }
                throw e;
            }
        }
    }

    /**
     * Runs this sample end to end, the same as {@code java -jar kdedup-demo.jar sample postgres-ledger [OPTIONS]}:
     * writes a topic with republished events, consumes it with this class and prints what the
     * handler did.
     *
     * @param args the options of {@code sample}, such as {@code --bootstrap-servers HOST:PORT}
     */
    public static void main(String[] args) {
        String[] all = new String[args.length + 2];
        all[0] = "sample";
        all[1] = "postgres-ledger";
        System.arraycopy(args, 0, all, 2, args.length);
        io.github.kdedup.examples.Demo.main(all);
    }
}
