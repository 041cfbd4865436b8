package io.github.kdedup.streams;

import io.github.kdedup.kafka.Decision;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupEngine;
import io.github.kdedup.kafka.FingerprintMismatchPolicy;
import io.github.kdedup.kafka.StoreUnavailablePolicy;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims the records of each poll of a Kafka Streams application's main consumer in one store call per
 * {@code processValues} step, so that the kdedup processor does not make one store round trip per
 * record. Set it with {@link StreamsDedup#claimAtPoll(java.util.Properties)}; without it the processor
 * claims each record itself, with the same results.
 *
 * <p>It never changes what the consumer returns: every record goes on to Streams, and the processor
 * decides it. For each poll, it picks the records of the topics that exactly one kdedup step of the
 * application (same {@code application.id}, same JVM) reads, claims their keys through {@link
 * DedupEngine#decide} (the claim path of every kdedup entry point, with its metrics, listener and DEBUG
 * lines) and leaves the OWNED and DUPLICATE decisions in {@link PollClaims} for the processor of the
 * same stream thread. The processor uses a decision only when the key and fingerprint it extracts from
 * the record it is given are the ones claimed, and while enough of the lease is left; otherwise it
 * claims the record itself.
 *
 * <p>Why the rules of the processor still hold: a claim taken at poll time is IN_PROGRESS, with the
 * record's origin, like the processor's own. It is completed only once its input offset is committed
 * (the processor tracks it as if it had claimed it). A redelivery after an aborted transaction, or to
 * the next owner of a migrated task, is the same origin: the next poll RECLAIMs it. A record polled but
 * never processed (filtered before the step, or buffered when the thread died) keeps its claim until a
 * redelivery reclaims it or its lease ends; a republished copy of it is meanwhile a duplicate, which is
 * what the processor's own claim would have given had it run.
 *
 * <p>Failures never fail the poll: records without a key, a store that cannot answer, a fingerprint
 * mismatch in the batch, leave that batch without decisions, and the processor claims its records one
 * by one under the configured policies (so each policy is applied once, by the processor).
 *
 * <p>Made by the consumer (public, no-argument constructor); used by its thread only, as consumer
 * interceptors are.
 */
public final class DedupPollInterceptor implements ConsumerInterceptor<byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(DedupPollInterceptor.class);

    private String applicationId = "";
    private String owner = "";
    /** An engine per step, failing rather than passing through, so the processor applies the policies. */
    private final Map<PollClaims.Step, DedupEngine> engines = new IdentityHashMap<>();

    private boolean warnedFailure;

    /** Made by the consumer from {@code interceptor.classes}. */
    public DedupPollInterceptor() {}

    @Override
    public void configure(Map<String, ?> configs) {
        Object group = configs.get(ConsumerConfig.GROUP_ID_CONFIG);
        this.applicationId = group == null ? "" : group.toString();
        this.owner = DedupEngine.newOwner(configs.get(ConsumerConfig.CLIENT_ID_CONFIG), "streams-poll");
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return records;
        }
        for (TopicPartition partition : records.partitions()) {
            PollClaims.polled(partition, records.records(partition).get(0).offset());
        }
        List<PollClaims.Step> steps = PollClaims.steps(applicationId);
        if (steps.isEmpty()) {
            return records;
        }
        if (engines.size() > steps.size()) {
            engines.keySet().retainAll(steps); // steps of tasks closed since: their engines are not used again
        }
        Map<PollClaims.Step, List<ConsumerRecord<byte[], byte[]>>> byStep = new IdentityHashMap<>();
        for (TopicPartition partition : records.partitions()) {
            PollClaims.Step step = PollClaims.stepFor(steps, partition.topic());
            if (step == null) {
                continue;
            }
            List<ConsumerRecord<byte[], byte[]>> mine =
                    byStep.computeIfAbsent(step, s -> new ArrayList<>(records.count()));
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                if (hasKey(step.config(), record)) {
                    mine.add(record);
                }
            }
        }
        long now = System.nanoTime();
        byStep.forEach((step, batch) -> claim(step, batch, now));
        return records;
    }

    /**
     * Only records whose key can be read are claimed here; the others go to the processor, which
     * applies {@code on-missing-key} once.
     */
    private static boolean hasKey(DedupConfig config, ConsumerRecord<byte[], byte[]> record) {
        try {
            return config.keyExtractor().extract(record) != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void claim(PollClaims.Step step, List<ConsumerRecord<byte[], byte[]>> batch, long now) {
        if (batch.isEmpty()) {
            return;
        }
        DedupEngine engine = engines.computeIfAbsent(step, this::engine);
        List<Decision<byte[], byte[]>> decisions;
        try {
            decisions = engine.decide(batch);
        } catch (RuntimeException e) {
            // The processor claims these records itself and applies the policy; say it once at WARN.
            if (!warnedFailure) {
                warnedFailure = true;
                LOG.warn(
                        "kdedup could not claim a poll of {} records ahead ({}); the processor claims them one by one",
                        batch.size(),
                        e.toString());
            } else {
                LOG.debug("kdedup could not claim a poll of {} records ahead", batch.size(), e);
            }
            return;
        }
        warnedFailure = false;
        for (Decision<byte[], byte[]> d : decisions) {
            if (d.result() != null) { // OWNED or DUPLICATE: anything else is the processor's to decide
                ConsumerRecord<byte[], byte[]> r = d.record();
                PollClaims.keep(
                        new TopicPartition(r.topic(), r.partition()),
                        new PollClaims.Early(r.offset(), step, d.verdict(), d.result(), now));
            }
        }
    }

    /**
     * The step's settings, except that a store failure or a fingerprint mismatch throws instead of
     * passing through or being logged: the processor then claims those records and applies the
     * user's policy, so that nothing is logged or counted twice.
     */
    private DedupEngine engine(PollClaims.Step step) {
        DedupConfig strict = step.config().toBuilder()
                .onStoreUnavailable(StoreUnavailablePolicy.FAIL)
                .onFingerprintMismatch(FingerprintMismatchPolicy.FAIL)
                .build();
        return DedupEngine.create(step.store(), strict, owner);
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        // Completion is the processor's: it completes a claim once the group's committed offset is above
        // it, which under exactly_once_v2 is only after the transaction committed (not at this commit).
    }

    @Override
    public void close() {
        engines.clear();
        PollClaims.clearThread();
    }
}
