package io.github.kdedup.examples.samples;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import io.github.kdedup.kafka.KeyExtractor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Consume, transform, produce with Kafka transactions, plus kdedup for the copies that Kafka's
 * exactly-once cannot recognise. Runs on the calling thread until {@code stop} says so; not
 * thread-safe.
 *
 * <h2>Who removes which duplicate</h2>
 *
 * <ul>
 *   <li><b>Kafka's exactly-once</b> ties the output of a poll to the input offsets of that poll: both
 *       commit in one transaction or neither does. A crash, a rebalance or a retry therefore never
 *       republishes the output of the <em>same input record</em> (same topic, partition, offset), and
 *       a {@code read_committed} reader never sees an aborted attempt.
 *   <li><b>kdedup</b> removes the <em>same event at another offset</em>: an upstream application that
 *       sent it twice (a retry after a timeout, a replay, an outbox relay that ran twice). To Kafka
 *       those are two records; they carry the same {@code event-id} header, and the store answers
 *       DUPLICATE for the second.
 * </ul>
 *
 * <h2>Per poll</h2>
 *
 * <ol>
 *   <li>Claim every record's event id in one store call (IN_PROGRESS, with a lease).
 *   <li>{@code beginTransaction}; transform and send only the records whose claim was won;
 *       {@code sendOffsetsToTransaction(offsets, consumer.groupMetadata())}; {@code
 *       commitTransaction}.
 *   <li>Only after the commit succeeded, complete the claims. When anything in step 2 fails: {@code
 *       abortTransaction}, release the claims and seek back to the poll's first offsets, so that the
 *       whole poll is read and claimed again.
 * </ol>
 *
 * <p>Why this order: a claim completed before {@code commitTransaction} would survive an abort, and
 * the retried event would then be a DUPLICATE of itself and be dropped. Completing after the commit
 * loses nothing; what remains is a duplicate window, not a loss: when the process dies between
 * {@code commitTransaction} and the completion (or the completion fails), the claims stay IN_PROGRESS
 * until their lease ends. The input offsets are committed, so those records do not come again; a
 * republished copy arriving within the lease is still answered DUPLICATE, but one arriving after the
 * lease is relayed a second time. Keep the lease longer than the producer's {@code
 * transaction.timeout.ms} (here 5 min against Kafka's default 1 min): a transaction still able to
 * commit then never outlives its claims.
 *
 * <p>A store that cannot answer ends {@code run} with its exception (nothing of that poll was sent);
 * a fenced producer (another instance with the same transactional id) ends it as well. Records
 * without an {@code event-id} header are relayed under Kafka's guarantee alone.
 */
public final class TransactionalRelayConsumer {

    /** Longer than {@code transaction.timeout.ms}, see the class comment. */
    private static final Duration LEASE = Duration.ofMinutes(5);

    /** The dedup window: a copy republished later than this is relayed again. */
    private static final Duration RETENTION = Duration.ofDays(7);

    private static final KeyExtractor EVENT_ID = KeyExtractor.header("event-id");

    private TransactionalRelayConsumer() {}

    /**
     * Relays {@code inputTopic} to {@code outputTopic} as group {@code groupId} until {@code stop}
     * returns true.
     *
     * @param bootstrapServers the brokers
     * @param groupId the group, also kdedup's namespace
     * @param inputTopic the topic read
     * @param outputTopic the topic written; each output record keeps the input's key and headers
     * @param storeUri the store, such as {@code redis://localhost:6379}
     * @param transform the business logic: the output value of one input record; when it throws, the
     *     poll's transaction is aborted and the poll is processed again
     * @param stop checked after each poll
     */
    public static void run(
            String bootstrapServers,
            String groupId,
            String inputTopic,
            String outputTopic,
            String storeUri,
            Function<ConsumerRecord<String, String>, String> transform,
            BooleanSupplier stop) {
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // The offsets are committed by the producer's transaction, never by the consumer.
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Skips the output of aborted transactions when the input is itself another relay's output.
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);

        // Since KIP-447 (Kafka 2.5) zombies are fenced through the group metadata sent with the offsets,
        // so a per-instance transactional id is enough; it also names this instance as kdedup's owner.
        String transactionalId = groupId + "-relay-" + UUID.randomUUID();
        Map<String, Object> producerProps = new HashMap<>();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps);
                KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps);
                IdempotencyStore store = IdempotencyStores.open(storeUri)) {
            producer.initTransactions();
            consumer.subscribe(List.of(inputTopic));
            while (!stop.getAsBoolean()) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }

                // 1. Claim the whole poll in one store call; toRelay holds the records this instance owns.
                List<ConsumerRecord<String, String>> toRelay = new ArrayList<>();
                List<ConsumerRecord<String, String>> toClaim = new ArrayList<>();
                List<ClaimRequest> requests = new ArrayList<>();
                for (ConsumerRecord<String, String> record : records) {
                    String eventId = EVENT_ID.extract(record);
                    if (eventId == null) {
                        toRelay.add(record);
                    } else {
                        toClaim.add(record);
                        requests.add(new ClaimRequest(
                                groupId,
                                eventId,
                                new Origin(record.topic(), record.partition(), record.offset()),
                                transactionalId,
                                null,
                                LEASE));
                    }
                }
                List<Claim> claims = new ArrayList<>();
                List<ClaimResult> results = store.claim(requests);
                for (int i = 0; i < results.size(); i++) {
                    if (results.get(i).owns()) {
                        toRelay.add(toClaim.get(i));
                        claims.add(results.get(i).claim());
                    }
                }

                // 2. One transaction: the output and the input offsets.
                try {
                    producer.beginTransaction();
                    for (ConsumerRecord<String, String> record : toRelay) {
                        producer.send(new ProducerRecord<>(
                                outputTopic, null, record.key(), transform.apply(record), record.headers()));
                    }
                    producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
                    producer.commitTransaction();
                } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
                    // Fatal for this producer: the claims expire with their lease, or are reclaimed by
                    // whoever gets these offsets next (same origin).
                    throw e;
                } catch (RuntimeException e) {
                    // 3b. Nothing of this poll was committed: free its keys and read it again.
                    producer.abortTransaction();
                    store.release(claims);
                    rewind(consumer, records);
                    continue;
                }
                // 3a. Committed: from now on, every other copy of these events is a DUPLICATE.
                store.complete(claims, RETENTION);
            }
        }
    }

    /** The offsets to commit: one past the last record of each partition in the poll. */
    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<?, ?> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<? extends ConsumerRecord<?, ?>> inPartition = records.records(partition);
            offsets.put(
                    partition,
                    new OffsetAndMetadata(
                            inPartition.get(inPartition.size() - 1).offset() + 1));
        }
        return offsets;
    }

    /** Seeks each partition of the poll back to its first record, so that the next poll returns it again. */
    private static void rewind(KafkaConsumer<?, ?> consumer, ConsumerRecords<?, ?> records) {
        for (TopicPartition partition : records.partitions()) {
            consumer.seek(partition, records.records(partition).get(0).offset());
        }
    }

    /**
     * Runs this sample end to end, the same as {@code java -jar kdedup-demo.jar sample relay [OPTIONS]}:
     * writes a topic with republished events, consumes it with this class and prints what the
     * handler did.
     *
     * @param args the options of {@code sample}, such as {@code --bootstrap-servers HOST:PORT}
     */
    public static void main(String[] args) {
        String[] all = new String[args.length + 2];
        all[0] = "sample";
        all[1] = "relay";
        System.arraycopy(args, 0, all, 2, args.length);
        io.github.kdedup.examples.Demo.main(all);
    }
}
