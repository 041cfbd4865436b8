package io.github.kdedup.streams;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyKeys;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.kafka.Decision;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupEngine;
import io.github.kdedup.kafka.DedupPolicyException;
import io.github.kdedup.kafka.PendingClaims;
import io.github.kdedup.kafka.StoreUnavailablePolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor of one task: claims each record's key as it comes, forwards the record when this task
 * owns the claim (or processes without dedup, by policy), drops a duplicate or forwards it marked, and
 * completes its claims once their input offsets are committed.
 *
 * <h2>Per record</h2>
 *
 * <ol>
 *   <li>The record is seen as the {@code ConsumerRecord} it came from (topic, partition and offset of
 *       {@link FixedKeyProcessorContext#recordMetadata()}, key, value, headers, timestamp), so the key
 *       extractors and fingerprints of {@link DedupConfig} apply unchanged.
 *   <li>{@link DedupEngine#decide(List)} claims it (one store call) and applies the policies, metrics,
 *       listener and DEBUG lines of every kdedup entry point. With {@link StreamsDedup#claimAtPoll},
 *       the decision {@link DedupPollInterceptor} took for the whole poll is used instead, when it is
 *       for this step, this origin, the key and fingerprint extracted here, and enough lease is left
 *       ({@link PollClaims}); otherwise the record is claimed here.
 *   <li>OWNED: the claim is tracked with its input offset, then the record is forwarded. UNGUARDED:
 *       forwarded without a claim. DUPLICATE: dropped, or forwarded with the {@link
 *       StreamsDedup#DUPLICATE_HEADER} headers in the marking variant. SKIPPED: dropped.
 * </ol>
 *
 * <h2>Completion: only once the input offset is committed</h2>
 *
 * The claims are kept, with their input offsets, in core's {@link PendingClaims}, which applies the
 * commit rule of every kdedup entry point (complete once committed, never release what is committed,
 * retry a failed completion at the next check). A punctuator (wall-clock, every commit-check
 * interval) asks {@link CommittedOffsets} for the group's committed offsets of the partitions this
 * task holds claims on, and completes, in one store call, every claim below them ({@link
 * PendingClaims#committed}). Under {@code exactly_once_v2} an offset is visible there only once the
 * transaction that carried the record's output committed; so a claim is never completed for output
 * that a later abort throws away. After an abort Streams re-reads the records from the committed
 * offset; their claims are still in progress with the same origin, so they are RECLAIMED and forwarded
 * again, in the new transaction.
 *
 * <h2>Close: fenced or completed, never released</h2>
 *
 * When the task closes (rebalance, migration, shutdown, or a dirty close after an error) the committed
 * offsets are read once more and the claims below them completed, in one store call ({@link
 * PendingClaims#close(Map, PendingClaims.Undecided) close} with {@link
 * PendingClaims.Undecided#LEAVE_TO_LEASE LEAVE_TO_LEASE}). The others are left in progress: their
 * records are above the committed offset, so whoever owns the partition next reads them again,
 * reclaims them (same origin: RECLAIMED, the old token fenced) and forwards them. They are never
 * released, because at that moment the processor cannot know whether a transaction holding their
 * output is still being decided; a claim left in progress is only ever safe. When the read fails,
 * every claim is left in progress until a redelivery reclaims it or its lease ends: the tracker is
 * dropped without a store call, as it is at the end of every close.
 *
 * <p>Not thread-safe, and need not be: Kafka Streams runs a task's processor on one thread at a time.
 * A processor may be initialised again after it was closed (a task revived after an error); each
 * {@link #init} starts afresh, with a new tracker for its new engine.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class DedupValuesProcessor<K, V> implements FixedKeyProcessor<K, V, V> {

    private static final Logger LOG = LoggerFactory.getLogger(DedupValuesProcessor.class);

    private final DedupValuesSupplier<K, V> supplier;

    private @Nullable FixedKeyProcessorContext<K, V> context;
    private SharedResources.@Nullable Lease lease;
    private @Nullable DedupEngine engine;
    /** The claims of this task until their input offsets are committed; one per {@link #init}. */
    private @Nullable PendingClaims claims;

    private @Nullable Cancellable punctuator;
    private PollClaims.@Nullable Step step;
    /** How old a claim taken at poll time may be and still be used; 0: never (the lease is too short). */
    private long pollClaimsFreshForNanos;
    /** The partition of the last record: consecutive records mostly share it, so it is not built anew. */
    private @Nullable TopicPartition lastPartition;

    DedupValuesProcessor(DedupValuesSupplier<K, V> supplier) {
        this.supplier = supplier;
    }

    @Override
    public void init(FixedKeyProcessorContext<K, V> context) {
        this.context = context;
        this.claims = null;
        StreamsConfig streams = new QuietStreamsConfig(context.appConfigs());
        Duration commitInterval = Duration.ofMillis(streams.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        Duration checkInterval = supplier.commitCheckInterval().orElse(commitInterval);
        DedupConfig config = supplier.config();
        requireLeaseLongEnough(config, commitInterval, checkInterval);
        if (config.namespace() == null) {
            config = config.toBuilder().namespace(context.applicationId()).build();
        }
        String applicationId = context.applicationId();
        SharedResources.Lease taken = supplier.resources()
                .acquire(
                        applicationId,
                        id -> Admin.create(streams.getAdminConfigs(id + "-kdedup-admin")),
                        checkInterval,
                        config);
        try {
            this.engine = DedupEngine.create(
                    taken.store(), config, DedupEngine.newOwner(applicationId + "-" + context.taskId(), "streams"));
        } catch (RuntimeException e) {
            supplier.resources().release(taken);
            throw e;
        }
        this.claims = new PendingClaims(engine);
        this.lease = taken;
        this.step = taken.step();
        this.lastPartition = null;
        // A claim taken at poll time has already spent part of its lease when its record comes; what is
        // left must still outlive the commit of the record and its check, as a claim taken here does.
        this.pollClaimsFreshForNanos = Math.max(
                0,
                config.lease().minus(leastLease(commitInterval, checkInterval)).toNanos());
        this.punctuator = context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, now -> completeCommitted());
        LOG.debug(
                "kdedup processor of task {} ready on {} (namespace {}, {}, commit check every {})",
                context.taskId(),
                taken.store().description(),
                engine.namespace(),
                supplier.marking() ? "duplicates forwarded marked" : "duplicates dropped",
                checkInterval);
    }

    /**
     * A claim must outlive the time until its offset is committed and seen committed, or it could expire
     * while its record is still being processed and let a republished copy through.
     */
    private static void requireLeaseLongEnough(DedupConfig config, Duration commitInterval, Duration checkInterval) {
        Duration least = leastLease(commitInterval, checkInterval);
        if (config.lease().compareTo(least) < 0) {
            throw new ConfigException(
                    DedupConfig.LEASE,
                    config.lease().toString(),
                    "must be at least "
                            + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG + " (" + commitInterval
                            + ") plus the commit check "
                            + "interval (" + checkInterval
                            + ") plus 10 s, so that a claim outlives the commit of its record; "
                            + "raise the lease or lower the intervals");
        }
    }

    private static Duration leastLease(Duration commitInterval, Duration checkInterval) {
        return commitInterval.plus(checkInterval).plusSeconds(10);
    }

    @Override
    public void process(FixedKeyRecord<K, V> record) {
        FixedKeyProcessorContext<K, V> ctx = requireInitialised();
        ConsumerRecord<K, V> source = asConsumerRecord(ctx, record);
        TopicPartition partition = partitionOf(source);
        Decision<K, V> decision = takenAtPoll(partition, source);
        if (decision == null) {
            if (pollClaimsFreshForNanos > 0) {
                step.learn(source.topic()); // the interceptor, if set, claims this topic's next polls ahead
            }
            decision = decide(source);
        }
        switch (decision.verdict()) {
            case OWNED -> {
                Objects.requireNonNull(claims).add(partition, source.offset(), decision.claim());
                ctx.forward(record);
            }
            case UNGUARDED -> ctx.forward(record);
            case DUPLICATE -> {
                if (supplier.marking()) {
                    ctx.forward(marked(record, decision.result()));
                }
            }
            case SKIPPED -> {}
        }
    }

    private TopicPartition partitionOf(ConsumerRecord<K, V> source) {
        TopicPartition last = lastPartition;
        if (last != null
                && last.partition() == source.partition()
                && last.topic().equals(source.topic())) {
            return last;
        }
        TopicPartition partition = new TopicPartition(source.topic(), source.partition());
        lastPartition = partition;
        return partition;
    }

    /**
     * The decision {@link DedupPollInterceptor} took for this record when it was polled, if it may be
     * used: taken for this step, with enough lease left, and for the key and fingerprint this record has
     * here. Otherwise null, and the record is claimed now (same origin: a claim taken at poll time is
     * RECLAIMED, its token fenced).
     */
    private @Nullable Decision<K, V> takenAtPoll(TopicPartition partition, ConsumerRecord<K, V> source) {
        if (pollClaimsFreshForNanos <= 0) {
            return null;
        }
        PollClaims.Early early = PollClaims.take(partition, source.offset());
        if (early == null || early.step() != step) {
            return null;
        }
        if (System.nanoTime() - early.polledAt() > pollClaimsFreshForNanos) {
            return null;
        }
        ClaimResult result = early.result();
        if (!claimedAsIs(source, result.request())) {
            // A step before this one changed the key or value: what was polled is not what is
            // deduplicated here. Stop claiming this topic at poll time, and give the claim back (nothing
            // was forwarded under it; a claim under the raw key could only get in the way).
            if (step.refuse(source.topic())) {
                LOG.info(
                        "kdedup stops claiming {} at poll time: the record at {} reaches the step with another key or "
                                + "fingerprint than it was polled with (a step before changes it); each record is "
                                + "claimed by the processor",
                        source.topic(),
                        Decision.origin(source));
            }
            if (result.owns()) {
                try {
                    engine.release(List.of(result.claim()));
                } catch (IdempotencyStoreException e) {
                    LOG.debug("could not release the claim taken at poll time for {}", Decision.origin(source), e);
                }
            }
            return null;
        }
        return new Decision<>(source, early.verdict(), result);
    }

    private boolean claimedAsIs(ConsumerRecord<K, V> source, ClaimRequest claimed) {
        DedupConfig config = supplier.config();
        try {
            String key = config.keyExtractor().extract(source);
            if (key == null) {
                return false;
            }
            if (config.hashLongKeys()) {
                key = IdempotencyKeys.hashIfLong(key);
            }
            return key.equals(claimed.key())
                    && Objects.equals(config.fingerprinter().fingerprint(source), claimed.fingerprint());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Decision<K, V> decide(ConsumerRecord<K, V> source) {
        DedupEngine e = engine;
        try {
            return e.decide(List.of(source)).get(0);
        } catch (IdempotencyStoreException ex) {
            throw new StreamsException(
                    "kdedup could not deduplicate " + Decision.origin(source) + ": " + ex.getMessage() + ". Nothing of "
                            + "this record was forwarded and its offset is not committed, so it is read again when "
                            + "the stream thread restarts (" + DedupConfig.ON_STORE_UNAVAILABLE + "="
                            + StoreUnavailablePolicy.FAIL.name().toLowerCase(Locale.ROOT) + "). Bring the store back, "
                            + "then restart the thread (a StreamsUncaughtExceptionHandler answering REPLACE_THREAD "
                            + "does it) or the application; or set " + DedupConfig.ON_STORE_UNAVAILABLE
                            + "=pass-through to forward records without dedup while the store is down",
                    ex);
        } catch (DedupPolicyException ex) {
            throw new StreamsException(
                    "kdedup refused a record: " + ex.getMessage() + ". The stream thread stops so that nothing is "
                            + "skipped silently; fix the record's producer, or change the policy",
                    ex);
        }
    }

    private static <K, V> ConsumerRecord<K, V> asConsumerRecord(
            FixedKeyProcessorContext<K, V> ctx, FixedKeyRecord<K, V> record) {
        Optional<RecordMetadata> metadata = ctx.recordMetadata();
        if (metadata.isEmpty()
                || metadata.get().topic() == null
                || metadata.get().offset() < 0) {
            throw new StreamsException("kdedup's processor got a record that was not read from a topic (task "
                    + ctx.taskId() + "): it needs the input topic, partition and offset of every record, to know when "
                    + "its claim may be completed. Place it right after builder.stream(...) or a repartition, not "
                    + "after a punctuator or a table's changelog forward");
        }
        RecordMetadata m = metadata.get();
        return new ConsumerRecord<>(
                m.topic(),
                m.partition(),
                m.offset(),
                record.timestamp(),
                TimestampType.CREATE_TIME,
                -1,
                -1,
                record.key(),
                record.value(),
                record.headers(),
                Optional.empty());
    }

    /** The duplicate with two more headers; the input's headers are copied, never changed in place. */
    private static <K, V> FixedKeyRecord<K, V> marked(FixedKeyRecord<K, V> record, @Nullable ClaimResult result) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        String cause = result == null
                ? "duplicate"
                : result.cause().map(c -> c.name().toLowerCase(Locale.ROOT)).orElse("duplicate");
        headers.add(StreamsDedup.DUPLICATE_HEADER, cause.getBytes(StandardCharsets.UTF_8));
        if (result != null) {
            result.existing()
                    .ifPresent(existing -> headers.add(
                            StreamsDedup.DUPLICATE_OF_HEADER,
                            existing.origin().toString().getBytes(StandardCharsets.UTF_8)));
        }
        return record.withHeaders(headers);
    }

    /**
     * The punctuation: completes the claims whose input offsets are now committed, and those whose
     * completion failed before, in one store call. Never throws: a store failure is logged by {@link
     * PendingClaims}, and the claims are completed again at the next check.
     */
    private void completeCommitted() {
        PendingClaims c = claims;
        SharedResources.Lease l = lease;
        if (c == null || l == null || c.isEmpty()) {
            return;
        }
        c.committed(asCommitted(l.offsets().latest(c.partitions())));
    }

    /** The committed offsets as {@link PendingClaims} takes them. */
    private static Map<TopicPartition, OffsetAndMetadata> asCommitted(Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> answer = new HashMap<>();
        offsets.forEach((partition, offset) -> answer.put(partition, new OffsetAndMetadata(offset)));
        return answer;
    }

    @Override
    public void close() {
        SharedResources.Lease l = lease;
        if (l == null) {
            return;
        }
        try {
            if (punctuator != null) {
                punctuator.cancel();
            }
            settle(l);
        } finally {
            claims = null; // whatever is left stays in progress until a redelivery reclaims it or its lease ends
            lease = null;
            engine = null;
            step = null;
            lastPartition = null;
            context = null;
            punctuator = null;
            supplier.resources().release(l);
        }
    }

    /** Completes what is committed; leaves the rest in progress for the next owner to reclaim. */
    private void settle(SharedResources.Lease l) {
        PendingClaims c = claims;
        if (c == null || c.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> committed;
        try {
            committed = l.offsets().readNow(c.partitions());
        } catch (KafkaException e) {
            LOG.warn(
                    "could not read the committed offsets at task close; {} claims stay in progress until a "
                            + "redelivery reclaims them or their lease ({}) ends: {}",
                    c.size(),
                    Objects.requireNonNull(engine).lease(),
                    e.getMessage());
            return;
        }
        // Never released: whether a transaction holding their output is still being decided is unknown.
        c.close(asCommitted(committed), PendingClaims.Undecided.LEAVE_TO_LEASE);
    }

    /** Reads the application's configuration without logging all of it again for every task. */
    private static final class QuietStreamsConfig extends StreamsConfig {
        QuietStreamsConfig(Map<String, Object> values) {
            super(values, false);
        }
    }

    /** Returns how many claims this processor holds; for tests. */
    int pendingClaims() {
        PendingClaims c = claims;
        return c == null ? 0 : c.size();
    }

    private FixedKeyProcessorContext<K, V> requireInitialised() {
        FixedKeyProcessorContext<K, V> c = context;
        if (c == null || engine == null) {
            throw new IllegalStateException("the kdedup processor is not initialised (or already closed)");
        }
        return c;
    }
}
