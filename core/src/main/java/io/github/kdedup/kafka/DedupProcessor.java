package io.github.kdedup.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
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
 * Each claim is completed after its handler returns and always before {@link #process} returns, so
 * before the offset commit. So no event is handled twice, whether it comes again by republish,
 * redelivery after a crash or a rebalance, or a seek, unless the process crashes (or the store
 * fails) between the handler's return and the completion: the claim then stays in progress, and the
 * redelivery of the same record reclaims it and handles it again (counted {@code retried}); a
 * republished copy stays dropped. While a handler runs longer than the lease, another consumer may
 * take the key over. How wide that window is depends on {@link CompletionMode}
 * ({@code kdedup.completion}):
 *
 * <ul>
 *   <li>{@link CompletionMode#PER_BATCH} (the default): the claims whose handlers returned are
 *       gathered and completed in one store call (one SQL transaction) when {@value
 *       #MAX_PENDING_COMPLETIONS} are waiting, when the oldest has waited {@value
 *       #MAX_PENDING_MILLIS} ms (checked as each handler returns), and at the end of each {@code
 *       process} call. A crash repeats at most the records handled since the last write: up to
 *       {@value #MAX_PENDING_COMPLETIONS} records of one poll, handled within about {@value
 *       #MAX_PENDING_MILLIS} ms plus the handler that crossed it.
 *   <li>{@link CompletionMode#PER_RECORD}: one store call per handled record, right after its
 *       handler; a crash repeats at most one record.
 * </ul>
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

    /** In {@link CompletionMode#PER_BATCH}, the most handled claims that wait for one completion call. */
    public static final int MAX_PENDING_COMPLETIONS = 100;

    /** In {@link CompletionMode#PER_BATCH}, the longest the oldest handled claim waits, in milliseconds. */
    public static final long MAX_PENDING_MILLIS = 100;

    private static final long MAX_PENDING_NANOS = TimeUnit.MILLISECONDS.toNanos(MAX_PENDING_MILLIS);

    private static final Logger LOG = LoggerFactory.getLogger(DedupProcessor.class);

    private final DedupEngine engine;
    private final CompletionMode completion;
    private final SharedStores.@Nullable Handle handle;
    /** Nanoseconds, for the time bound of {@link CompletionMode#PER_BATCH}; {@link System#nanoTime} but in tests. */
    private final LongSupplier clock;
    /** Claims whose handler returned but whose completion failed; guarded by itself. */
    private final List<Claim> unfinished = new ArrayList<>();

    private DedupProcessor(
            DedupEngine engine, CompletionMode completion, SharedStores.@Nullable Handle handle, LongSupplier clock) {
        this.engine = engine;
        this.completion = completion;
        this.handle = handle;
        this.clock = clock;
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
        return create(store, config, System::nanoTime);
    }

    /** As {@link #create(IdempotencyStore, DedupConfig)}, with the clock of the completion's time bound; for tests. */
    static DedupProcessor create(IdempotencyStore store, DedupConfig config, LongSupplier nanoClock) {
        return new DedupProcessor(
                DedupEngine.create(store, config, DedupEngine.newOwner(null, "processor")),
                config.completion(),
                null,
                nanoClock);
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
            return new DedupProcessor(engine, config.completion(), handle, System::nanoTime);
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
     * record in order and completing the claims as the {@link CompletionMode} says, all of them before
     * this method returns.
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
        List<Decision<K, V>> decisions = engine.decide(records);
        // After the claim, so that a store still down fails the claim (or passes it through) first.
        completeUnfinished(false);
        List<RecordOutcome> outcomes = new ArrayList<>(records.size());
        // Claims whose handler returned, completed together in PER_BATCH mode.
        Pending handled = completion == CompletionMode.PER_BATCH ? new Pending() : null;
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
                    flush(handled, "the poll starting at " + decisions.get(0).origin());
                } catch (RuntimeException c) {
                    e.addSuppressed(c);
                }
                throw e;
            }
        }
        if (handled != null && !handled.claims.isEmpty()) {
            flush(handled, "the poll starting at " + decisions.get(0).origin());
        }
        return outcomes;
    }

    /**
     * Runs the handler; completes the claim at once, or adds it to {@code handled}, which is written
     * when it reaches its bound in count or in time.
     */
    private <K, V> RecordOutcome run(Decision<K, V> decision, RecordHandler<K, V> handler, @Nullable Pending handled) {
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
                long now = clock.getAsLong();
                if (handled.claims.isEmpty()) {
                    handled.since = now;
                }
                handled.claims.add(claim);
                if (handled.claims.size() >= MAX_PENDING_COMPLETIONS || now - handled.since >= MAX_PENDING_NANOS) {
                    flush(handled, "the records up to " + decision.origin());
                }
            } else {
                completeHandled(List.of(claim), decision.origin().toString());
            }
        }
        return RecordOutcome.of(decision, null);
    }

    /** Completes the gathered claims in one store call and empties the batch, even when the call fails. */
    private void flush(@Nullable Pending handled, String what) {
        if (handled == null || handled.claims.isEmpty()) {
            return;
        }
        List<Claim> claims = List.copyOf(handled.claims);
        handled.claims.clear();
        completeHandled(claims, what);
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

    /** The claims of one {@code process} call whose handlers returned and whose completion waits. Not thread-safe. */
    private static final class Pending {
        final List<Claim> claims = new ArrayList<>();
        /** The clock when the oldest of {@link #claims} was added. */
        long since;
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
