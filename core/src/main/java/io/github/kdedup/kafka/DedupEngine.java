package io.github.kdedup.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.IdempotencyKeys;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Subset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides batches of Kafka records: the one claim path that every entry point uses (the {@link
 * DedupConsumerInterceptor}, the {@link DedupProcessor}, and framework integrations such as Spring
 * Kafka containers and Kafka Streams processors).
 *
 * <p>For a batch, {@link #decide(List)}:
 *
 * <ol>
 *   <li>extracts each record's key (hashing long keys when asked) and fingerprint;
 *   <li>claims every keyed record in <em>one</em> store call (the store splits it if it must);
 *   <li>applies the policies, here and nowhere else: missing key ({@code on-missing-key}), store
 *       unavailable ({@code on-store-unavailable}) and fingerprint mismatch ({@code
 *       on-fingerprint-mismatch});
 *   <li>counts every answer in the {@link DedupMetrics}, tells the {@link DedupListener} of
 *       duplicates and logs each duplicate at DEBUG with both origins;
 *   <li>answers one {@link Decision} per record, in record order.
 * </ol>
 *
 * <p>The caller processes the {@link Verdict#OWNED} and {@link Verdict#UNGUARDED} records, then
 * completes the owned claims ({@link #complete}, or {@link PendingClaims} when completion waits for
 * the offset commit) or releases them when processing failed ({@link #release}).
 *
 * <p>Thread-safe: it holds no mutable state, so one engine may serve several threads and consumers.
 * No argument may be null.
 */
public final class DedupEngine {

    private static final Logger LOG = LoggerFactory.getLogger(DedupEngine.class);

    private final IdempotencyStore store;
    private final DedupConfig config;
    private final String namespace;
    private final String owner;
    // Read for every record: resolved once here rather than looked up in the config each time.
    private final KeyExtractor keyExtractor;
    private final Fingerprinter fingerprinter;
    private final boolean hashLongKeys;
    private final Duration lease;
    private final DedupMetrics metrics;

    private DedupEngine(IdempotencyStore store, DedupConfig config, String namespace, String owner) {
        this.store = store;
        this.config = config;
        this.namespace = namespace;
        this.keyExtractor = config.keyExtractor();
        this.fingerprinter = config.fingerprinter();
        this.hashLongKeys = config.hashLongKeys();
        this.lease = config.lease();
        this.metrics = config.metrics();
        this.owner = owner.length() > ClaimRequest.MAX_OWNER_LENGTH
                ? owner.substring(owner.length() - ClaimRequest.MAX_OWNER_LENGTH)
                : owner;
    }

    /**
     * Creates an engine over a store that the caller owns (and closes).
     *
     * @param store the store
     * @param config the settings; the namespace is required (the store URI is not read)
     * @param owner who claims, usually {@link #newOwner}; longer than {@value ClaimRequest#MAX_OWNER_LENGTH}
     *     characters is cut from the left
     * @return the engine
     * @throws ConfigException when the namespace is not set
     */
    public static DedupEngine create(IdempotencyStore store, DedupConfig config, String owner) {
        Objects.requireNonNull(store, "store");
        String namespace = config.namespace();
        if (namespace == null) {
            throw new ConfigException(DedupConfig.NAMESPACE
                    + " is required (set it, the consumer's group.id, or DedupConfig.Builder.namespace)");
        }
        // The namespace was checked when it was set (DedupSettings.NAMESPACE); it is not checked again.
        // The owner is checked here, so that a bad client.id fails at start-up, not on every record.
        IdempotencyKeys.requireStorable("owner", Objects.requireNonNull(owner, "owner"));
        return new DedupEngine(store, config, namespace, owner);
    }

    /**
     * Returns a fresh owner name: the client id (or the fallback) plus a random instance id, so two
     * consumers with the same {@code client.id} never share claims.
     *
     * @param clientId the consumer's {@code client.id}, or {@code null}
     * @param fallback the name used when there is no client id, such as {@code consumer}
     * @return the owner, such as {@code billing-1#3f2a9c01}
     */
    public static String newOwner(@Nullable Object clientId, String fallback) {
        String name = clientId == null || clientId.toString().isEmpty() ? fallback : clientId.toString();
        return name + "#" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Returns the namespace every claim of this engine is made in. */
    public String namespace() {
        return namespace;
    }

    /** Returns the owner every claim of this engine is made as. */
    public String owner() {
        return owner;
    }

    /** Returns the store. */
    public IdempotencyStore store() {
        return store;
    }

    /** Returns the lease of every claim. */
    public Duration lease() {
        return lease;
    }

    /**
     * Decides every record of a poll, claiming the keyed ones in one store call.
     *
     * @param records the poll
     * @param <K> the key type
     * @param <V> the value type
     * @return the decisions grouped by partition, each list unmodifiable and in offset order, partitions
     *     in poll order
     * @throws IdempotencyStoreException when the store fails and {@code on-store-unavailable=fail}
     * @throws DedupPolicyException when a policy set to fail refuses a record; claims this batch took
     *     are released first
     */
    public <K, V> Map<TopicPartition, List<Decision<K, V>>> decide(ConsumerRecords<K, V> records) {
        // The poll is laid out partition by partition, so each partition's decisions are one contiguous
        // run of the answer: no TopicPartition and no map lookup per record, one view per partition.
        Set<TopicPartition> partitions = records.partitions();
        List<ConsumerRecord<K, V>> all = new ArrayList<>(records.count());
        for (TopicPartition partition : partitions) {
            all.addAll(records.records(partition));
        }
        List<Decision<K, V>> decisions = decide(all);
        Map<TopicPartition, List<Decision<K, V>>> grouped = new LinkedHashMap<>();
        int from = 0;
        for (TopicPartition partition : partitions) {
            int to = from + records.records(partition).size();
            if (to > from) {
                grouped.put(partition, decisions.subList(from, to));
            }
            from = to;
        }
        return grouped;
    }

    /**
     * Decides every record of a batch, claiming the keyed ones in one store call; the keyed records
     * are picked out of the batch and their answers put back in order by a {@link Subset}.
     *
     * @param records the records
     * @param <K> the key type
     * @param <V> the value type
     * @return one decision per record, in order
     * @throws IdempotencyStoreException when the store fails and {@code on-store-unavailable=fail}
     * @throws DedupPolicyException when a policy set to fail refuses a record; claims this batch took
     *     are released first
     */
    public <K, V> List<Decision<K, V>> decide(List<ConsumerRecord<K, V>> records) {
        @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array; it never leaves this method
        Decision<K, V>[] decisions = new Decision[records.size()];
        List<ClaimRequest> requests = new ArrayList<>(records.size());
        Subset keyed = new Subset(records.size());
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<K, V> record = records.get(i);
            String problem;
            try {
                String key = keyExtractor.extract(record);
                if (key == null) {
                    problem = "it has no key";
                } else {
                    requests.add(new ClaimRequest(
                            namespace,
                            hashLongKeys ? IdempotencyKeys.hashIfLong(key) : key,
                            Decision.origin(record),
                            owner,
                            fingerprinter.fingerprint(record),
                            lease));
                    keyed.add(i);
                    continue;
                }
            } catch (UnreadableKeyException | IllegalArgumentException e) {
                problem = "its key is unreadable: " + e.getMessage();
            }
            decisions[i] = missingKey(record, problem);
        }
        if (requests.isEmpty()) {
            return Collections.unmodifiableList(Arrays.asList(decisions));
        }
        List<ConsumerRecord<K, V>> claimed = keyed.pick(records);
        List<Decision<K, V>> answered = new ArrayList<>(claimed.size());
        List<ClaimResult> results;
        try {
            results = timed("claim", () -> store.claim(requests));
        } catch (IdempotencyStoreException e) {
            if (config.onStoreUnavailable() == StoreUnavailablePolicy.FAIL) {
                throw e;
            }
            LOG.warn(
                    "{} records of namespace {} pass through without dedup ({}=pass-through): {}",
                    requests.size(),
                    namespace,
                    DedupConfig.ON_STORE_UNAVAILABLE,
                    e.getMessage());
            metrics.passedThrough(namespace, requests.size());
            claimed.forEach(r -> answered.add(new Decision<>(r, Verdict.UNGUARDED, null)));
            keyed.putBack(answered, decisions);
            return Collections.unmodifiableList(Arrays.asList(decisions));
        }
        for (int j = 0; j < results.size(); j++) {
            ClaimResult result = results.get(j);
            metrics.claimed(namespace, result);
            try {
                answered.add(decideClaimed(claimed.get(j), result));
            } catch (DedupPolicyException e) {
                releaseQuietly(results);
                throw e;
            }
        }
        keyed.putBack(answered, decisions);
        return Collections.unmodifiableList(Arrays.asList(decisions));
    }

    private <K, V> Decision<K, V> decideClaimed(ConsumerRecord<K, V> record, ClaimResult result) {
        if (result.owns()) {
            if (result.outcome() == ClaimOutcome.RECLAIMED) {
                heardDuplicate(record, result);
            }
            return new Decision<>(record, Verdict.OWNED, result);
        }
        if (result.fingerprintMismatch()) {
            String message = "event " + result.request().key() + " at "
                    + result.request().origin()
                    + " has another fingerprint than its first copy at "
                    + result.existing().orElseThrow().origin() + ": the same key was used for a different payload";
            switch (config.onFingerprintMismatch()) {
                case FAIL ->
                    throw new DedupPolicyException(message + " (" + DedupConfig.ON_FINGERPRINT_MISMATCH + "=fail)");
                case PROCESS -> {
                    LOG.warn(
                            "{}; processing it without dedup ({}=process)",
                            message,
                            DedupConfig.ON_FINGERPRINT_MISMATCH);
                    return new Decision<>(record, Verdict.UNGUARDED, null);
                }
                case DROP ->
                    LOG.warn("{}; dropped as a duplicate ({}=drop)", message, DedupConfig.ON_FINGERPRINT_MISMATCH);
            }
        }
        heardDuplicate(record, result);
        return new Decision<>(record, Verdict.DUPLICATE, result);
    }

    private void heardDuplicate(ConsumerRecord<?, ?> record, ClaimResult result) {
        if (LOG.isDebugEnabled()) {
            DuplicateCause cause = result.cause().orElseThrow();
            LOG.debug(
                    "event {} at {} is a {} of {} ({})",
                    result.request().key(),
                    result.request().origin(),
                    cause == DuplicateCause.RETRIED ? "retry" : "duplicate",
                    result.existing().orElseThrow().origin(),
                    cause.name().toLowerCase(Locale.ROOT));
        }
        DedupListener listener = config.listener();
        if (listener != null) {
            try {
                listener.onDuplicate(record, result);
            } catch (RuntimeException e) {
                LOG.warn("the DedupListener {} failed; ignored", listener, e);
            }
        }
    }

    private <K, V> Decision<K, V> missingKey(ConsumerRecord<K, V> record, String problem) {
        MissingKeyPolicy policy = config.onMissingKey();
        metrics.missingKey(namespace, policy);
        String message = "record " + Decision.origin(record) + " cannot be deduplicated: " + problem;
        switch (policy) {
            case FAIL -> throw new DedupPolicyException(message + " (" + DedupConfig.ON_MISSING_KEY + "=fail)");
            case SKIP -> {
                LOG.warn("{}; skipped ({}=skip)", message, DedupConfig.ON_MISSING_KEY);
                return new Decision<>(record, Verdict.SKIPPED, null);
            }
            default -> {
                LOG.debug("{}; processed without dedup ({}=process)", message, DedupConfig.ON_MISSING_KEY);
                return new Decision<>(record, Verdict.UNGUARDED, null);
            }
        }
    }

    private void releaseQuietly(List<ClaimResult> results) {
        List<Claim> owned = new ArrayList<>();
        for (ClaimResult r : results) {
            if (r.owns()) {
                owned.add(r.claim());
            }
        }
        try {
            release(owned);
        } catch (IdempotencyStoreException e) {
            LOG.warn("could not release {} claims; they expire with their lease", owned.size(), e);
        }
    }

    /**
     * Completes claims (their records were processed), timed and counted.
     *
     * @param claims the claims
     * @return per claim, whether it was completed; {@code false} when it had been taken over (fenced)
     * @throws IdempotencyStoreException when the store cannot answer
     */
    public List<Boolean> complete(List<Claim> claims) {
        if (claims.isEmpty()) {
            return List.of();
        }
        return timed("complete", () -> store.complete(claims, config.retention()));
    }

    /**
     * Completes the claims of records whose handler returned, applying {@code on-store-unavailable} to a
     * store failure: {@code fail} rethrows it, {@code pass-through} logs it. Claims taken over while
     * their handler ran (longer than the lease) are logged.
     *
     * @param claims the claims
     * @param what what they belong to, for the log, such as {@code orders-3@1042}
     * @return true when the store answered; false when it failed under {@code pass-through} (the claims
     *     stay in progress: complete them again later)
     * @throws IdempotencyStoreException when the store fails and {@code on-store-unavailable=fail}
     */
    public boolean completeHandled(List<Claim> claims, String what) {
        List<Boolean> completed;
        try {
            completed = complete(claims);
        } catch (IdempotencyStoreException e) {
            if (config.onStoreUnavailable() == StoreUnavailablePolicy.FAIL) {
                throw e;
            }
            LOG.warn(
                    "could not complete {} claims of {} after their handler ran ({}=pass-through); retrying later, "
                            + "until then they stay in progress: {}",
                    claims.size(),
                    what,
                    DedupConfig.ON_STORE_UNAVAILABLE,
                    e.getMessage());
            return false;
        }
        long fenced = completed.stream().filter(c -> !c).count();
        if (fenced > 0) {
            LOG.warn(
                    "{} of {} claims of {} were taken over while their handlers ran (longer than the lease {}?): those "
                            + "events may have been handled twice",
                    fenced,
                    claims.size(),
                    what,
                    lease);
        }
        return true;
    }

    /**
     * Releases claims (their records were not processed), timed and counted, so that the next delivery
     * claims them afresh. Never release a claim whose record's offset is committed: see {@link
     * PendingClaims}.
     *
     * @param claims the claims
     * @return per claim, whether it was released; {@code false} when it had been taken over (fenced)
     * @throws IdempotencyStoreException when the store cannot answer
     */
    public List<Boolean> release(List<Claim> claims) {
        if (claims.isEmpty()) {
            return List.of();
        }
        return timed("release", () -> store.release(claims));
    }

    private <T> T timed(String operation, Supplier<T> call) {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T answer = call.get();
            failed = false;
            return answer;
        } finally {
            metrics.storeCall(namespace, operation, System.nanoTime() - start, failed);
        }
    }
}
