package io.github.kdedup.examples.reliability;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.Origin;
import io.github.kdedup.jdbc.SqlDialect;
import io.github.kdedup.jdbc.TransactionalClaims;
import io.github.kdedup.kafka.CompletionMode;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import io.github.kdedup.kafka.DedupProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The consumer that {@link CrashRecoveryTest} runs in a child JVM and kills with SIGKILL. It reads
 * {@code key=value} arguments, consumes until it is killed, applies each event to the PostgreSQL
 * ledger ({@link CrashLedger}) and prints one line per step to stdout, which the test reads to time
 * its kills:
 *
 * <ul>
 *   <li>{@code READY}: subscribed;
 *   <li>{@code H}: one record handled (its ledger write returned);
 *   <li>{@code LOST}: partitions were lost without a chance to commit (session expiry under load);
 *   <li>{@code COMMIT_FAILED}: a commit after a batch failed (a rebalance got in between).
 * </ul>
 *
 * Each record takes {@code sleepMillis}, or 2 ms once the file {@code fastWhen} exists.
 *
 * Modes: {@code tx} ({@link TransactionalClaims} and the ledger write in one transaction per poll,
 * offsets committed after the database commit), {@code processor} ({@link DedupProcessor}, per
 * record) and {@code interceptor} ({@link DedupConsumerInterceptor}).
 */
public final class CrashConsumerMain {

    private CrashConsumerMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String mode = a.get("mode");
        String name = a.get("name");
        long slowMillis = Long.parseLong(a.get("sleepMillis"));
        // the survivor goes slow until the test has made its kills, so the topic lasts that long
        Path fastWhen = a.containsKey("fastWhen") ? Path.of(a.get("fastWhen")) : null;
        LongSupplier pace = () -> fastWhen != null && Files.exists(fastWhen) ? 2 : slowMillis;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("bootstrap"));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, a.get("group"));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, a.get("maxPollRecords"));
        // a killed member must leave the group soon, so that its partitions move to the survivor (below a
        // broker's default minimum of 6 s: TestKafka's broker accepts session timeouts from 500 ms)
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "3000");
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        DedupConfig config = DedupConfig.builder()
                .store(a.getOrDefault("store", "memory:"))
                .namespace(a.get("namespace"))
                .lease(Duration.parse(a.get("lease")))
                .retention(Duration.ofMinutes(10))
                // The test bounds doubles by kills x 1 record: per-record completion's window.
                .completion(CompletionMode.PER_RECORD)
                .build();
        if (mode.equals("interceptor")) {
            props.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
            props.put(DedupConfig.STORE, a.get("store"));
            props.put(DedupConfig.NAMESPACE, a.get("namespace"));
            props.put(DedupConfig.LEASE, a.get("lease"));
            props.put(DedupConfig.RETENTION, "PT10M");
        }
        String ledgerTable = a.get("ledger");
        try (Connection db = DriverManager.getConnection(a.get("ledgerUrl"));
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
                DedupProcessor processor = mode.equals("processor") ? DedupProcessor.open(config) : null) {
            consumer.subscribe(List.of(a.get("topic")), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // every record before the positions was handled (poll runs between batches)
                    try {
                        consumer.commitSync();
                    } catch (KafkaException e) {
                        say("COMMIT_FAILED");
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    say("LOST");
                }
            });
            say("READY");
            TransactionalClaims claims = TransactionalClaims.of(SqlDialect.POSTGRESQL, a.getOrDefault("claims", "x"));
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                switch (mode) {
                    case "tx" -> {
                        db.setAutoCommit(false);
                        List<ConsumerRecord<String, String>> list = new ArrayList<>();
                        List<ClaimRequest> requests = new ArrayList<>();
                        for (ConsumerRecord<String, String> r : records) {
                            list.add(r);
                            requests.add(new ClaimRequest(
                                    a.get("namespace"),
                                    eventId(r),
                                    new Origin(r.topic(), r.partition(), r.offset()),
                                    name,
                                    null,
                                    Duration.ofMinutes(1)));
                        }
                        List<ClaimResult> results = claims.claimCompleted(db, requests, Duration.ofMinutes(10));
                        for (int i = 0; i < list.size(); i++) {
                            Thread.sleep(pace.getAsLong());
                            if (results.get(i).owns()) {
                                CrashLedger.apply(db, ledgerTable, eventId(list.get(i)), list.get(i));
                            }
                            say("H");
                        }
                        db.commit();
                    }
                    case "processor" ->
                        processor.process(records, r -> {
                            Thread.sleep(pace.getAsLong());
                            CrashLedger.apply(db, ledgerTable, eventId(r), r);
                            say("H");
                        });
                    case "interceptor" -> {
                        for (ConsumerRecord<String, String> r : records) {
                            Thread.sleep(pace.getAsLong());
                            CrashLedger.apply(db, ledgerTable, eventId(r), r);
                            say("H");
                        }
                    }
                    default -> throw new IllegalArgumentException("mode " + mode);
                }
                try {
                    consumer.commitSync();
                } catch (KafkaException e) {
                    say("COMMIT_FAILED");
                }
            }
        } catch (SQLException e) {
            e.printStackTrace();
            System.exit(3);
        }
    }

    static String eventId(ConsumerRecord<?, ?> record) {
        return new String(record.headers().lastHeader("event-id").value(), StandardCharsets.UTF_8);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
