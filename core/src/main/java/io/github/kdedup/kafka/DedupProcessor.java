package io.github.kdedup.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * handled were released (best effort). A claim whose handler returned is never released: when its
 * completion fails (under either policy) it is completed again at the start of the next {@link
 * #process} call and at {@link #close()}; if the store is still down at close, it stays in progress
 * until its lease ends.
 *
 * <p>The claim path and the policies are {@link DedupEngine}'s; this class runs the handler.
 *
 * <p>Thread-safe: several threads may process records at once (each record on one thread).
 */
public final class DedupProcessor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DedupProcessor.class);

    private final DedupEngine engine;
    private final CompletionMode completion;
    private final SharedStores.@Nullable Handle handle;
    /** Claims whose handler returned but whose completion failed; guarded by itself. */
    private final List<Claim> unfinished = new ArrayList<>();

    private DedupProcessor(DedupEngine engine, CompletionMode completion, SharedStores.@Nullable Handle handle) {
        this.engine = engine;
        this.completion = completion;
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
        return new DedupProcessor(
                DedupEngine.create(store, config, DedupEngine.newOwner(null, "processor")), config.completion(), null);
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
        return open(config, null);
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
        return open(DedupConfig.fromProperties(properties), properties.get(ConsumerConfig.CLIENT_ID_CONFIG));
    }

    private static DedupProcessor open(DedupConfig config, @Nullable Object clientId) {
        String uri = config.store();
        if (uri == null) {
            throw new ConfigException(DedupConfig.STORE + " is required");
        }
        SharedStores.Handle handle = SharedStores.acquire(uri);
        try {
            DedupEngine engine =
                    DedupEngine.create(handle.store(), config, DedupEngine.newOwner(clientId, "processor"));
            return new DedupProcessor(engine, config.completion(), handle);
        } catch (RuntimeException e) {
            handle.close();
            throw e;
        }
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
        completeUnfinished(false);
        List<Decision<K, V>> decisions = engine.decide(records);
        List<RecordOutcome> outcomes = new ArrayList<>(records.size());
        // Claims whose handler returned, completed together at the end in PER_BATCH mode.
        List<Claim> handled = completion == CompletionMode.PER_BATCH ? new ArrayList<>() : null;
        for (int i = 0; i < decisions.size(); i++) {
            Decision<K, V> decision = decisions.get(i);
            if (!decision.verdict().process()) {
                outcomes.add(RecordOutcome.of(decision, null));
                continue;
            }
            try {
                outcomes.add(run(decision, handler, handled));
            } catch (IdempotencyStoreException e) {
                releaseUnhandled(decisions.subList(i + 1, decisions.size()));
                throw e;
            } catch (Error e) {
                try {
                    completeHandled(
                            handled, "the poll starting at " + decisions.get(0).origin());
                } catch (RuntimeException c) {
                    e.addSuppressed(c);
                }
                throw e;
            }
        }
        completeHandled(
                handled,
                decisions.isEmpty()
                        ? "an empty poll"
                        : "the poll starting at " + decisions.get(0).origin());
        return outcomes;
    }

    /**
     * Runs the handler; completes the claim at once, or adds it to {@code handled} to be completed with
     * the rest of the poll.
     */
    private <K, V> RecordOutcome run(
            Decision<K, V> decision, RecordHandler<K, V> handler, @Nullable List<Claim> handled) {
        Claim claim = decision.verdict() == Verdict.OWNED ? decision.claim() : null;
        try {
            handler.handle(decision.record());
        } catch (Exception e) {
            if (claim != null) {
                try {
                    engine.release(List.of(claim));
                } catch (IdempotencyStoreException r) {
                    LOG.warn(
                            "could not release the claim of {} after the handler failed; it expires with its lease: {}",
                            decision.origin(),
                            r.getMessage());
                }
            }
            return RecordOutcome.of(decision, e);
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
        if (claim != null) {
            if (handled != null) {
                handled.add(claim);
            } else {
                completeHandled(List.of(claim), decision.origin().toString());
            }
        }
        return RecordOutcome.of(decision, null);
    }

    /** Completes the claims of handled records; a claim the store could not complete is kept to retry. */
    private void completeHandled(@Nullable List<Claim> claims, String what) {
        if (claims == null || claims.isEmpty()) {
            return;
        }
        boolean answered = false;
        try {
            answered = engine.completeHandled(claims, what);
        } finally {
            if (!answered) {
                synchronized (unfinished) {
                    unfinished.addAll(claims);
                }
            }
        }
    }

    /** Completes the claims an earlier completion left; they are kept when the store is still down. */
    private void completeUnfinished(boolean last) {
        List<Claim> retry;
        synchronized (unfinished) {
            if (unfinished.isEmpty()) {
                return;
            }
            retry = List.copyOf(unfinished);
            unfinished.clear();
        }
        try {
            engine.complete(retry);
        } catch (IdempotencyStoreException e) {
            if (last) {
                LOG.warn(
                        "could not complete {} claims whose handlers returned; they stay in progress until their "
                                + "lease ends ({}): a republished copy is dropped until then: {}",
                        retry.size(),
                        engine.lease(),
                        e.getMessage());
            } else {
                synchronized (unfinished) {
                    unfinished.addAll(retry);
                }
            }
        }
    }

    /** Releases the claims of records whose handler did not run. */
    private void releaseUnhandled(List<? extends Decision<?, ?>> decisions) {
        List<Claim> claims = new ArrayList<>();
        for (Decision<?, ?> d : decisions) {
            if (d.verdict() == Verdict.OWNED) {
                claims.add(d.claim());
            }
        }
        try {
            engine.release(claims);
        } catch (IdempotencyStoreException e) {
            LOG.warn("could not release {} claims; they expire with their lease", claims.size());
        }
    }

    /**
     * Completes the claims whose completion failed earlier (they stay in progress until their lease
     * when the store is still down), then gives back the shared store when this processor opened it; a
     * store given to {@link #create} stays open.
     */
    @Override
    public void close() {
        try {
            completeUnfinished(true);
        } finally {
            if (handle != null) {
                handle.close();
            }
        }
    }
}
