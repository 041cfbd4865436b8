package io.github.kdedup.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a handler once per event: {@code claim -> handler -> complete}, or {@code release} when the
 * handler throws, per record or per poll batch (one claim call for the whole batch).
 *
 * <pre>{@code
 * try (DedupProcessor dedup = DedupProcessor.open(DedupConfig.builder().store("redis://localhost:6379")
 *         .namespace("billing").build())) {
 *     while (running) {
 *         ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
 *         dedup.process(records, record -> bill(record.value()));
 *         consumer.commitSync();
 *     }
 * }
 * }</pre>
 *
 * <h2>Guarantee and window</h2>
 *
 * Each claim is completed as soon as its handler returns, before the offset commit. So no event is
 * handled twice, whether it comes again by republish, redelivery after a crash or a rebalance, or a
 * seek, unless the process crashes (or the store fails) between the handler's return and the
 * completion: the claim then stays in progress, and the redelivery of the same record reclaims it
 * and handles it again (counted {@code retried}); a republished copy stays dropped. While a handler
 * runs longer than the lease, another consumer may take the key over.
 *
 * <p>With {@link CompletionMode#PER_BATCH} ({@code kdedup.completion=per-batch}) the claims of a
 * poll are completed together, in one store call, after its last handler returned: far fewer store
 * calls on a remote store, and a wider window: a crash can repeat every record of that poll whose
 * handler had returned.
 *
 * <p>When the claim of a batch fails and {@code on-store-unavailable=fail}, {@link #process} throws
 * the {@link IdempotencyStoreException} before any handler ran: do not commit, seek back and retry.
 * When a completion fails under that policy, the exception is thrown after the claims not yet
 * handled were released (best effort); the records handled before are completed.
 *
 * <p>Thread-safe: several threads may process records at once (each record on one thread).
 */
public final class DedupProcessor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DedupProcessor.class);

    private final DedupEngine engine;
    private final SharedStores.@Nullable Handle handle;

    private DedupProcessor(DedupEngine engine, SharedStores.@Nullable Handle handle) {
        this.engine = engine;
        this.handle = handle;
    }

    /**
     * Creates a processor on a store the caller owns (and closes).
     *
     * @param store the store
     * @param config the settings; the namespace is required, the store URI ignored
     * @return the processor
     * @throws ConfigException when the namespace is not set
     */
    public static DedupProcessor create(IdempotencyStore store, DedupConfig config) {
        return new DedupProcessor(engine(Objects.requireNonNull(store, "store"), config, null), null);
    }

    /**
     * Creates a processor on the store of {@link DedupConfig#store()}, shared with the consumers of
     * this JVM that name the same URI; {@link #close()} gives it back.
     *
     * @param config the settings; the store URI and the namespace are required
     * @return the processor
     * @throws ConfigException when the store URI or the namespace is not set
     */
    public static DedupProcessor open(DedupConfig config) {
        String uri = config.store();
        if (uri == null) {
            throw new ConfigException(DedupConfig.STORE + " is required");
        }
        SharedStores.Handle handle = SharedStores.acquire(uri);
        try {
            return new DedupProcessor(engine(handle.store(), config, null), handle);
        } catch (RuntimeException e) {
            handle.close();
            throw e;
        }
    }

    /**
     * Creates a processor from consumer properties, as the interceptor reads them; the namespace
     * defaults to {@code group.id} and the owner is {@code client.id} plus a random instance id.
     *
     * @param properties consumer properties with {@code kdedup.*} keys
     * @return the processor
     * @throws ConfigException when a property is bad
     */
    public static DedupProcessor fromProperties(Map<String, ?> properties) {
        DedupConfig config = DedupConfig.fromProperties(properties);
        String uri = config.store();
        if (uri == null) {
            throw new ConfigException(DedupConfig.STORE + " is required");
        }
        SharedStores.Handle handle = SharedStores.acquire(uri);
        try {
            Object clientId = properties.get(ConsumerConfig.CLIENT_ID_CONFIG);
            return new DedupProcessor(
                    engine(handle.store(), config, clientId == null ? null : clientId.toString()), handle);
        } catch (RuntimeException e) {
            handle.close();
            throw e;
        }
    }

    private static DedupEngine engine(IdempotencyStore store, DedupConfig config, @Nullable String clientId) {
        String namespace = config.namespace();
        if (namespace == null) {
            throw new ConfigException(DedupConfig.NAMESPACE
                    + " is required (kdedup.namespace, group.id, or DedupConfig.Builder.namespace)");
        }
        String owner = (clientId == null || clientId.isEmpty() ? "processor" : clientId) + "#"
                + UUID.randomUUID().toString().substring(0, 8);
        return new DedupEngine(store, config, namespace, owner);
    }

    /** Returns the owner this processor claims as. */
    public String owner() {
        return engine.owner();
    }

    /** Returns the namespace. */
    public String namespace() {
        return engine.namespace();
    }

    /**
     * Processes one record.
     *
     * @param record the record
     * @param handler the handler
     * @param <K> the key type
     * @param <V> the value type
     * @return the outcome
     * @throws IdempotencyStoreException when the store fails and {@code on-store-unavailable=fail}
     * @throws DedupPolicyException when a policy set to fail refuses the record
     */
    public <K, V> RecordOutcome process(ConsumerRecord<K, V> record, RecordHandler<K, V> handler) {
        return process(List.of(record), handler).get(0);
    }

    /**
     * Processes a poll, claiming all of it in one store call, then running the handler on each owned
     * record in order and completing its claim at once.
     *
     * @param records the poll
     * @param handler the handler
     * @param <K> the key type
     * @param <V> the value type
     * @return one outcome per record, in the iteration order of the poll
     * @throws IdempotencyStoreException when the store fails and {@code on-store-unavailable=fail}
     * @throws DedupPolicyException when a policy set to fail refuses a record (before any handler ran)
     */
    public <K, V> List<RecordOutcome> process(ConsumerRecords<K, V> records, RecordHandler<K, V> handler) {
        List<ConsumerRecord<K, V>> list = new ArrayList<>(records.count());
        records.forEach(list::add);
        return process(list, handler);
    }

    /**
     * Processes a list of records like a poll.
     *
     * @param records the records
     * @param handler the handler
     * @param <K> the key type
     * @param <V> the value type
     * @return one outcome per record, in order
     * @throws IdempotencyStoreException when the store fails and {@code on-store-unavailable=fail}
     * @throws DedupPolicyException when a policy set to fail refuses a record (before any handler ran)
     */
    public <K, V> List<RecordOutcome> process(List<ConsumerRecord<K, V>> records, RecordHandler<K, V> handler) {
        Objects.requireNonNull(handler, "handler");
        List<DedupEngine.Decision> decisions = engine.decide(records);
        List<RecordOutcome> outcomes = new ArrayList<>(records.size());
        // Claims whose handler returned, completed together at the end in PER_BATCH mode.
        List<Claim> handled = perBatch() ? new ArrayList<>() : null;
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<K, V> record = records.get(i);
            DedupEngine.Decision decision = decisions.get(i);
            switch (decision.kind()) {
                case DUPLICATE ->
                    outcomes.add(
                            new RecordOutcome(record, RecordOutcome.Status.DUPLICATE, true, decision.result(), null));
                case SKIPPED ->
                    outcomes.add(new RecordOutcome(record, RecordOutcome.Status.SKIPPED, false, null, null));
                case UNGUARDED -> outcomes.add(run(record, handler, null, null));
                case OWNED -> {
                    try {
                        outcomes.add(run(record, handler, decision, handled));
                    } catch (IdempotencyStoreException e) {
                        releaseRest(decisions, i + 1);
                        throw e;
                    } catch (Error e) {
                        if (handled != null && !handled.isEmpty()) {
                            completeAll(handled, records.get(0));
                        }
                        throw e;
                    }
                }
            }
        }
        if (handled != null && !handled.isEmpty()) {
            completeAll(handled, records.get(0));
        }
        return outcomes;
    }

    private boolean perBatch() {
        return engine.config().completion() == CompletionMode.PER_BATCH;
    }

    /** Completes the claims of handled records; a failure follows the store-unavailable policy. */
    private void completeAll(List<Claim> claims, ConsumerRecord<?, ?> first) {
        try {
            List<Boolean> completed = engine.complete(claims);
            long fenced = completed.stream().filter(c -> !c).count();
            if (fenced > 0) {
                LOG.warn(
                        "{} of {} claims were taken over while their handlers ran (longer than the lease {}?): those "
                                + "events may have been handled twice",
                        fenced,
                        claims.size(),
                        engine.config().lease());
            }
        } catch (IdempotencyStoreException e) {
            if (engine.config().onStoreUnavailable() == StoreUnavailablePolicy.FAIL) {
                throw e;
            }
            LOG.warn(
                    "could not complete {} claims of the poll starting at {}; they stay in progress until their lease "
                            + "ends: {}",
                    claims.size(),
                    DedupEngine.origin(first),
                    e.getMessage());
        }
    }

    /**
     * Runs the handler; completes the claim at once, or adds it to {@code handled} to be completed with
     * the rest of the poll.
     */
    private <K, V> RecordOutcome run(
            ConsumerRecord<K, V> record,
            RecordHandler<K, V> handler,
            DedupEngine.@Nullable Decision owned,
            @Nullable List<Claim> handled) {
        Claim claim = owned == null ? null : owned.result().claim();
        try {
            handler.handle(record);
        } catch (Exception e) {
            if (claim != null) {
                try {
                    engine.release(List.of(claim));
                } catch (IdempotencyStoreException r) {
                    LOG.warn(
                            "could not release the claim of {} after the handler failed; it expires with its lease: {}",
                            DedupEngine.origin(record),
                            r.getMessage());
                }
            }
            return new RecordOutcome(
                    record, RecordOutcome.Status.FAILED, claim != null, owned == null ? null : owned.result(), e);
        } catch (Error e) {
            if (claim != null) {
                try {
                    engine.release(List.of(claim));
                } catch (RuntimeException r) {
                    e.addSuppressed(r);
                }
            }
            throw e;
        }
        if (claim == null) {
            return new RecordOutcome(record, RecordOutcome.Status.PROCESSED, false, null, null);
        }
        if (handled != null) {
            handled.add(claim);
            return new RecordOutcome(record, RecordOutcome.Status.PROCESSED, true, owned.result(), null);
        }
        try {
            if (!engine.complete(List.of(claim)).get(0)) {
                LOG.warn(
                        "the claim of {} was taken over while its handler ran (longer than the lease {}?): the "
                                + "event may have been handled twice",
                        DedupEngine.origin(record),
                        engine.config().lease());
            }
        } catch (IdempotencyStoreException e) {
            if (engine.config().onStoreUnavailable() == StoreUnavailablePolicy.FAIL) {
                throw e;
            }
            LOG.warn(
                    "could not complete the claim of {} after its handler ran; it stays in progress until its lease ends: "
                            + "a redelivery of the same record reclaims it and handles it again, a republished copy is "
                            + "dropped: {}",
                    DedupEngine.origin(record),
                    e.getMessage());
        }
        return new RecordOutcome(record, RecordOutcome.Status.PROCESSED, true, owned.result(), null);
    }

    private void releaseRest(List<DedupEngine.Decision> decisions, int from) {
        List<Claim> claims = new ArrayList<>();
        for (int i = from; i < decisions.size(); i++) {
            if (decisions.get(i).kind() == DedupEngine.Kind.OWNED) {
                claims.add(decisions.get(i).result().claim());
            }
        }
        try {
            engine.release(claims);
        } catch (IdempotencyStoreException e) {
            LOG.warn("could not release {} claims; they expire with their lease", claims.size());
        }
    }

    /** Gives back the shared store when this processor opened it; a store given to {@link #create} stays open. */
    @Override
    public void close() {
        if (handle != null) {
            handle.close();
        }
    }
}
