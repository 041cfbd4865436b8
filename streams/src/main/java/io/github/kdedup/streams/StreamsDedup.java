package io.github.kdedup.streams;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/**
 * Deduplicates a Kafka Streams topology over a shared {@link IdempotencyStore}: a {@code processValues}
 * step that forwards each event once.
 *
 * <pre>{@code
 * DedupConfig dedup = DedupConfig.builder().store("redis://localhost:6379").build();
 * builder.<String, String>stream("orders")
 *         .processValues(StreamsDedup.dropDuplicates(dedup))
 *         .to("orders-unique");
 * }</pre>
 *
 * <p>The settings are those of every kdedup entry point ({@link DedupConfig}: key extractor,
 * fingerprint, lease, retention, policies, metrics, listener); the namespace defaults to the
 * application's {@code application.id}. The record the key extractor sees is the record as it reaches
 * the step (deserialized key and value, headers) with the topic, partition and offset it was read at.
 *
 * <h2>What it guarantees</h2>
 *
 * <ul>
 *   <li>A republished copy (same key, another offset) is dropped while the first copy is in progress
 *       or completed, within the retention, across every application instance that shares the store
 *       and namespace.
 *   <li>Under {@code processing.guarantee=exactly_once_v2}: each event reaches the output once, across
 *       crashes. A claim is completed only once the input offset of its record is committed (read from
 *       the group's committed offsets, which show only committed transactions); an aborted transaction
 *       loses no event, because the records Streams reads again carry the same origin and reclaim their
 *       claims.
 *   <li>Under {@code at_least_once}: a crash between writing the output and committing the offsets
 *       repeats the records of that commit interval (reclaimed, counted {@code retried}), as Kafka
 *       Streams itself does; republished copies are still dropped. The window is the commit interval,
 *       the same as the consumer interceptor's.
 * </ul>
 *
 * <p>A claim stays in progress until its offset is committed and seen (about one {@code
 * commit.interval.ms} plus one check interval), so the lease must be longer; the processor refuses to
 * start otherwise. By default there is one store call per record: Kafka Streams hands a processor one
 * record at a time and gives it no safe place to hold records back across a commit. With {@link
 * #claimAtPoll} the main consumer's interceptor claims each poll in one store call and the processor
 * uses those decisions. Completions are batched: one store call per task per check.
 *
 * <h2>Failures</h2>
 *
 * A store that cannot answer follows {@code kdedup.on-store-unavailable}: with {@code fail} (the
 * default) the processor throws a {@code StreamsException} before forwarding anything of that record;
 * with Streams' default {@code processing.exception.handler} the stream thread dies and the record is
 * read again after a restart (a {@code StreamsUncaughtExceptionHandler} answering {@code
 * REPLACE_THREAD} retries automatically). Do not combine {@code fail} with a processing exception
 * handler that continues: it would skip the record. {@code pass-through} forwards records without
 * dedup while the store is down. A missing or unreadable key follows {@code kdedup.on-missing-key}.
 *
 * <p>Thread-safe: the suppliers may be used by any number of stream threads.
 */
public final class StreamsDedup {

    /**
     * The header that {@link #markDuplicates} adds to a duplicate: its cause, {@code republished} or
     * {@code redelivered}.
     */
    public static final String DUPLICATE_HEADER = "kdedup-duplicate";

    /** The header that {@link #markDuplicates} adds to a duplicate: the first copy's origin, {@code topic-partition@offset}. */
    public static final String DUPLICATE_OF_HEADER = "kdedup-duplicate-of";

    private StreamsDedup() {}

    /**
     * Forwards each event once and drops duplicates; the store is opened from {@code kdedup.store}.
     *
     * @param config the settings; the store URI is required
     * @param <K> the key type
     * @param <V> the value type
     * @return the supplier for {@code KStream#processValues}
     * @throws ConfigException when the store URI is not set
     */
    public static <K, V> DedupValuesSupplier<K, V> dropDuplicates(DedupConfig config) {
        return new DedupValuesSupplier<>(requireUri(config), null, false);
    }

    /**
     * Forwards each event once and drops duplicates, over a store the caller owns (and closes after the
     * application).
     *
     * @param store the store
     * @param config the settings; the store URI is ignored
     * @param <K> the key type
     * @param <V> the value type
     * @return the supplier for {@code KStream#processValues}
     */
    public static <K, V> DedupValuesSupplier<K, V> dropDuplicates(IdempotencyStore store, DedupConfig config) {
        return new DedupValuesSupplier<>(
                Objects.requireNonNull(config, "config"), Objects.requireNonNull(store, "store"), false);
    }

    /**
     * Forwards every record, each event's first copy as it is and every duplicate with the {@link
     * #DUPLICATE_HEADER} and {@link #DUPLICATE_OF_HEADER} headers, for topologies that route duplicates
     * ({@link #routeDuplicates}) instead of dropping them. The store is opened from {@code kdedup.store}.
     *
     * @param config the settings; the store URI is required
     * @param <K> the key type
     * @param <V> the value type
     * @return the supplier for {@code KStream#processValues}
     * @throws ConfigException when the store URI is not set
     */
    public static <K, V> DedupValuesSupplier<K, V> markDuplicates(DedupConfig config) {
        return new DedupValuesSupplier<>(requireUri(config), null, true);
    }

    /**
     * Like {@link #markDuplicates(DedupConfig)}, over a store the caller owns.
     *
     * @param store the store
     * @param config the settings; the store URI is ignored
     * @param <K> the key type
     * @param <V> the value type
     * @return the supplier for {@code KStream#processValues}
     */
    public static <K, V> DedupValuesSupplier<K, V> markDuplicates(IdempotencyStore store, DedupConfig config) {
        return new DedupValuesSupplier<>(
                Objects.requireNonNull(config, "config"), Objects.requireNonNull(store, "store"), true);
    }

    /**
     * Returns whether a record was marked as a duplicate by {@link #markDuplicates}.
     *
     * @param headers the record's headers
     * @return true when it carries {@link #DUPLICATE_HEADER}
     */
    public static boolean isDuplicate(Headers headers) {
        return headers.lastHeader(DUPLICATE_HEADER) != null;
    }

    /**
     * Sends marked duplicates to one topic and every other record to another: {@code
     * marked.to(StreamsDedup.routeDuplicates("orders-unique", "orders-duplicates"))}.
     *
     * @param uniqueTopic where first copies go
     * @param duplicatesTopic where duplicates go
     * @param <K> the key type
     * @param <V> the value type
     * @return the extractor for {@code KStream#to}
     */
    public static <K, V> TopicNameExtractor<K, V> routeDuplicates(String uniqueTopic, String duplicatesTopic) {
        Objects.requireNonNull(uniqueTopic, "uniqueTopic");
        Objects.requireNonNull(duplicatesTopic, "duplicatesTopic");
        return (key, value, context) -> isDuplicate(context.headers()) ? duplicatesTopic : uniqueTopic;
    }

    /**
     * Claims the records of each poll in one store call per step instead of one per record: adds {@link
     * DedupPollInterceptor} to the main consumer's {@code interceptor.classes} ({@code
     * main.consumer.interceptor.classes}), after the interceptors already set there. Call it on the
     * properties given to {@code KafkaStreams}; the {@code processValues} steps stay as they are.
     *
     * <pre>{@code
     * Properties props = new Properties(); // application.id, bootstrap.servers, ...
     * new KafkaStreams(builder.build(), StreamsDedup.claimAtPoll(props));
     * }</pre>
     *
     * <p>Same results, fewer round trips: the processor uses a decision taken at poll time only for the
     * record it was taken for (same origin, key and fingerprint, enough lease left), and claims any other
     * record itself (records of other sources, a topic whose records a step before changes, a store that
     * failed at poll time). The rules are the processor's: see {@link DedupPollInterceptor}. One
     * difference shows: a {@code DedupListener} and the DEBUG line hear of a duplicate at poll time,
     * with the record as polled ({@code byte[]} key and value).
     *
     * <p>Thread-safe (it changes only the given properties); idempotent.
     *
     * @param streamsProperties the application's properties; changed in place
     * @return the same properties
     * @throws ConfigException when {@code main.consumer.interceptor.classes} holds something else than a
     *     class name, a class or a list of them
     */
    public static Properties claimAtPoll(Properties streamsProperties) {
        String key = StreamsConfig.mainConsumerPrefix(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG);
        String ours = DedupPollInterceptor.class.getName();
        List<String> classes = new ArrayList<>();
        Object set = streamsProperties.get(key);
        if (set instanceof String names) {
            Arrays.stream(names.split(","))
                    .map(String::trim)
                    .filter(n -> !n.isEmpty())
                    .forEach(classes::add);
        } else if (set instanceof Class<?> type) {
            classes.add(type.getName());
        } else if (set instanceof List<?> list) {
            for (Object o : list) {
                classes.add(
                        o instanceof Class<?> type
                                ? type.getName()
                                : String.valueOf(o).trim());
            }
        } else if (set != null) {
            throw new ConfigException(key, set, "expected a class name, a class or a list of them");
        }
        if (!classes.contains(ours)) {
            classes.add(ours);
        }
        streamsProperties.put(key, String.join(",", classes));
        return streamsProperties;
    }

    private static DedupConfig requireUri(DedupConfig config) {
        if (Objects.requireNonNull(config, "config").store() == null) {
            throw new ConfigException(DedupConfig.STORE + " is required: set DedupConfig.builder().store(\"redis://"
                    + "host:6379\") (or another store URI), or pass an IdempotencyStore instance");
        }
        return config;
    }
}
