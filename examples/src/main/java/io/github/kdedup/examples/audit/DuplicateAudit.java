package io.github.kdedup.examples.audit;

import io.github.kdedup.kafka.KeyExtractor;
import io.github.kdedup.kafka.UnreadableKeyException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads a topic (or an offset range of it) without joining a consumer group and finds every key
 * that appears at more than one offset. Producer ids and epochs are not visible to consumers, so
 * each extra copy is judged from what is: the partition, the create timestamp, the payload and the
 * headers, compared with the first copy:
 *
 * <ol>
 *   <li>same partition, same payload, same create timestamp: the same send was written twice, a
 *       {@linkplain Cause#PRODUCER_RETRY producer retry} without idempotence;
 *   <li>same payload, a later create timestamp: the application {@linkplain Cause#REPUBLISHED sent
 *       it again} (an outbox relay, a replay, a retry loop in application code);
 *   <li>a different payload: {@linkplain Cause#KEY_REUSED another event under the same key}, or
 *       the key extractor picks something that is not an event identity.
 * </ol>
 *
 * Stateless and thread-safe; each call opens and closes its own consumer. Keys and copies are kept
 * in memory: audit a range with {@code fromOffset}/{@code toOffset} on very large topics.
 */
public final class DuplicateAudit {

    /** Why an extra copy probably exists. */
    public enum Cause {
        /** Same partition, payload and create timestamp: one send written twice. */
        PRODUCER_RETRY("producer retry (same send written twice)"),
        /** Same payload, later create timestamp: the application published it again. */
        REPUBLISHED("republished by the application"),
        /** Different payload under the same key. */
        KEY_REUSED("same key, different payload");

        private final String label;

        Cause(String label) {
            this.label = label;
        }

        /** Returns a short human description. */
        public String label() {
            return label;
        }
    }

    /**
     * One record that carries a duplicated key.
     *
     * @param partition the partition
     * @param offset the offset
     * @param timestamp the record timestamp
     * @param timestampType create time or log append time
     * @param headers the header names and values as text, in record order
     * @param payloadHash a short hash of the value
     */
    public record Copy(
            int partition,
            long offset,
            Instant timestamp,
            TimestampType timestampType,
            Map<String, String> headers,
            String payloadHash) {

        /** Returns {@code partition@offset}. */
        public String where(String topic) {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /**
     * A key seen at more than one offset.
     *
     * @param key the key
     * @param copies the copies in the order read (per partition in offset order)
     */
    public record DuplicateKey(String key, List<Copy> copies) {

        /** Returns the likely cause of the copy at {@code index} (1 or more), judged against the first. */
        public Cause cause(int index) {
            Copy first = copies.get(0);
            Copy copy = copies.get(index);
            if (!copy.payloadHash().equals(first.payloadHash())) {
                return Cause.KEY_REUSED;
            }
            if (copy.partition() == first.partition()
                    && copy.timestampType() == TimestampType.CREATE_TIME
                    && copy.timestamp().equals(first.timestamp())) {
                return Cause.PRODUCER_RETRY;
            }
            return Cause.REPUBLISHED;
        }
    }

    /**
     * What the audit found.
     *
     * @param topic the topic
     * @param keySource where keys came from, as given
     * @param recordsRead records read
     * @param recordsWithoutKey records that had no key (or an unreadable one), left out
     * @param distinctKeys distinct keys read
     * @param duplicates the keys seen more than once, in the order their second copy was read
     */
    public record Result(
            String topic,
            String keySource,
            long recordsRead,
            long recordsWithoutKey,
            long distinctKeys,
            List<DuplicateKey> duplicates) {

        /** Returns the extra copies: records beyond the first of each key. */
        public long extraCopies() {
            return duplicates.stream().mapToLong(d -> d.copies().size() - 1).sum();
        }

        /** Returns the extra copies by likely cause. */
        public Map<Cause, Long> byCause() {
            Map<Cause, Long> counts = new LinkedHashMap<>();
            for (Cause cause : Cause.values()) {
                counts.put(cause, 0L);
            }
            for (DuplicateKey d : duplicates) {
                for (int i = 1; i < d.copies().size(); i++) {
                    counts.merge(d.cause(i), 1L, Long::sum);
                }
            }
            return counts;
        }
    }

    /** Hears how far a long audit got. Called on the auditing thread; must not throw. */
    @FunctionalInterface
    public interface Progress {

        /** Hears nothing. */
        Progress NONE = (read, total) -> {};

        /**
         * Called after each poll, and once at the end with {@code read == total}.
         *
         * @param read records read so far
         * @param total records in the range when the audit started (an upper bound on compacted
         *     topics, whose offsets have gaps)
         */
        void update(long read, long total);
    }

    private DuplicateAudit() {}

    /**
     * Reads the topic from {@code fromOffset} (or the log start) to its end as of now (or {@code
     * toOffset}, exclusive) and groups the records by key.
     *
     * @param bootstrapServers the brokers
     * @param topic the topic
     * @param partitions the partitions to read, empty for all
     * @param fromOffset the first offset to read in each partition
     * @param toOffset the offset to stop before in each partition, or {@code null} for the end
     * @param keyHeader the header that carries the key, or {@code null} to use the record key
     * @return what was found
     * @throws IllegalArgumentException when the topic or a partition does not exist
     */
    public static Result audit(
            String bootstrapServers,
            String topic,
            Set<Integer> partitions,
            long fromOffset,
            @Nullable Long toOffset,
            @Nullable String keyHeader) {
        return audit(
                bootstrapServers,
                topic,
                partitions,
                fromOffset,
                toOffset,
                keyHeader == null ? KeyExtractor.recordKey() : KeyExtractor.header(keyHeader),
                keyHeader == null ? "record key" : "header " + keyHeader,
                Progress.NONE);
    }

    /**
     * Reads the topic from {@code fromOffset} (or the log start) to its end as of now (or {@code
     * toOffset}, exclusive) and groups the records by the key that {@code key} extracts, the same
     * extractors as {@code kdedup.key}.
     *
     * @param bootstrapServers the brokers
     * @param topic the topic
     * @param partitions the partitions to read, empty for all
     * @param fromOffset the first offset to read in each partition
     * @param toOffset the offset to stop before in each partition, or {@code null} for the end
     * @param key where the key is; a record whose key is missing or unreadable is counted as
     *     without a key
     * @param keySource how to name {@code key} in the result, such as {@code json:/orderId}
     * @param progress hears how far the audit got
     * @return what was found
     * @throws IllegalArgumentException when the topic or a partition does not exist
     */
    public static Result audit(
            String bootstrapServers,
            String topic,
            Set<Integer> partitions,
            long fromOffset,
            @Nullable Long toOffset,
            KeyExtractor key,
            String keySource,
            Progress progress) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "kdedup-audit",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                5000,
                // an unreachable cluster ends the audit in 15 s with Kafka's TimeoutException (exit code 3)
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15_000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> assigned = partitionsOf(consumer, topic, partitions);
            consumer.assign(assigned);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(assigned);
            Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
            Map<TopicPartition, Long> stop = new HashMap<>();
            for (TopicPartition tp : assigned) {
                long start = Math.max(fromOffset, begin.get(tp));
                long last = toOffset == null ? end.get(tp) : Math.min(toOffset, end.get(tp));
                if (start < last) {
                    consumer.seek(tp, start);
                    stop.put(tp, last);
                }
            }
            consumer.pause(difference(assigned, stop.keySet()));
            long total = 0;
            for (Map.Entry<TopicPartition, Long> e : stop.entrySet()) {
                total += e.getValue() - consumer.position(e.getKey());
            }

            Map<String, List<Copy>> byKey = new LinkedHashMap<>();
            List<String> duplicatedKeys = new ArrayList<>();
            long read = 0;
            long keyless = 0;
            while (!stop.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long last = stop.get(tp);
                    if (last == null || r.offset() >= last) {
                        continue;
                    }
                    read++;
                    String k = keyOf(r, key);
                    if (k == null) {
                        keyless++;
                    } else {
                        List<Copy> copies = byKey.computeIfAbsent(k, x -> new ArrayList<>(1));
                        copies.add(copyOf(r));
                        if (copies.size() == 2) {
                            duplicatedKeys.add(k);
                        }
                    }
                }
                progress.update(Math.min(read, total), total);
                for (TopicPartition tp : List.copyOf(stop.keySet())) {
                    if (consumer.position(tp) >= stop.get(tp)) {
                        stop.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
            }
            progress.update(total, total);
            List<DuplicateKey> duplicates = new ArrayList<>(duplicatedKeys.size());
            for (String duplicated : duplicatedKeys) {
                duplicates.add(new DuplicateKey(duplicated, List.copyOf(byKey.get(duplicated))));
            }
            return new Result(topic, keySource, read, keyless, byKey.size(), duplicates);
        }
    }

    private static List<TopicPartition> partitionsOf(
            KafkaConsumer<byte[], byte[]> consumer, String topic, Set<Integer> wanted) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException(
                    "topic '" + topic + "' does not exist; list topics with kafka-topics.sh --list");
        }
        Set<Integer> existing = new TreeSet<>();
        infos.forEach(p -> existing.add(p.partition()));
        for (int p : wanted) {
            if (!existing.contains(p)) {
                throw new IllegalArgumentException(
                        "topic '" + topic + "' has no partition " + p + "; it has partitions " + existing);
            }
        }
        List<TopicPartition> result = new ArrayList<>();
        for (int p : existing) {
            if (wanted.isEmpty() || wanted.contains(p)) {
                result.add(new TopicPartition(topic, p));
            }
        }
        return result;
    }

    private static List<TopicPartition> difference(Collection<TopicPartition> all, Set<TopicPartition> keep) {
        return all.stream().filter(tp -> !keep.contains(tp)).toList();
    }

    private static @Nullable String keyOf(ConsumerRecord<byte[], byte[]> r, KeyExtractor key) {
        try {
            return key.extract(r);
        } catch (UnreadableKeyException e) {
            // The audit reports what it can read; such a record is what kdedup.on-missing-key decides on.
            return null;
        }
    }

    private static Copy copyOf(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? "null" : new String(h.value(), StandardCharsets.UTF_8));
        }
        return new Copy(
                r.partition(),
                r.offset(),
                Instant.ofEpochMilli(r.timestamp()),
                r.timestampType(),
                headers,
                hash(r.value()));
    }

    private static String hash(byte @Nullable [] value) {
        if (value == null) {
            return "null";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value);
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
