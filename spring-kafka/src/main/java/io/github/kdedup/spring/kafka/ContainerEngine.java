package io.github.kdedup.spring.kafka;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.IdempotencyKeys;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupListener;
import io.github.kdedup.kafka.DedupPolicyException;
import io.github.kdedup.kafka.MissingKeyPolicy;
import io.github.kdedup.kafka.StoreUnavailablePolicy;
import io.github.kdedup.kafka.UnreadableKeyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides a batch of records in one store call and completes or releases claims, with the policies,
 * metrics and log lines of {@link DedupConfig}. It follows core's rules exactly (core's own engine is
 * not public yet); it is the one place in this module that talks to the store. Thread-safe: it holds
 * no mutable state.
 */
final class ContainerEngine {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerEngine.class);

    /** What to do with one record; {@code claim} is set only when the caller owns a claim. */
    record Decision(ConsumerRecord<?, ?> record, boolean process, @Nullable Claim claim) {}

    private final IdempotencyStore store;
    private final DedupConfig config;
    private final String namespace;
    private final String owner;

    ContainerEngine(IdempotencyStore store, DedupConfig config, String namespace, String owner) {
        this.store = store;
        this.config = config;
        this.namespace = IdempotencyKeys.requireValidNamespace(namespace);
        this.owner = owner.length() > ClaimRequest.MAX_OWNER_LENGTH
                ? owner.substring(owner.length() - ClaimRequest.MAX_OWNER_LENGTH)
                : owner;
    }

    String namespace() {
        return namespace;
    }

    String owner() {
        return owner;
    }

    DedupConfig config() {
        return config;
    }

    static Origin origin(ConsumerRecord<?, ?> record) {
        return new Origin(record.topic(), record.partition(), record.offset());
    }

    /**
     * Decides every record, claiming the keyed ones in one store call.
     *
     * @throws IdempotencyStoreException when the store fails and {@code on-store-unavailable=fail}
     * @throws DedupPolicyException when a policy set to fail refuses a record; the claims of this call
     *     are released first
     */
    List<Decision> decide(List<? extends ConsumerRecord<?, ?>> records) {
        Decision[] decisions = new Decision[records.size()];
        List<ClaimRequest> requests = new ArrayList<>(records.size());
        List<Integer> positions = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<?, ?> record = records.get(i);
            String problem;
            try {
                String key = config.keyExtractor().extract(record);
                if (key == null) {
                    problem = "it has no key";
                } else {
                    requests.add(new ClaimRequest(
                            namespace,
                            config.hashLongKeys() ? IdempotencyKeys.hashIfLong(key) : key,
                            origin(record),
                            owner,
                            config.fingerprinter().fingerprint(record),
                            config.lease()));
                    positions.add(i);
                    continue;
                }
            } catch (UnreadableKeyException | IllegalArgumentException e) {
                problem = "its key is unreadable: " + e.getMessage();
            }
            decisions[i] = missingKey(record, problem);
        }
        if (requests.isEmpty()) {
            return List.of(decisions);
        }
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
            config.metrics().passedThrough(namespace, requests.size());
            for (int position : positions) {
                decisions[position] = new Decision(records.get(position), true, null);
            }
            return List.of(decisions);
        }
        for (int j = 0; j < results.size(); j++) {
            int position = positions.get(j);
            ClaimResult result = results.get(j);
            config.metrics().claimed(namespace, result);
            try {
                decisions[position] = decideClaimed(records.get(position), result);
            } catch (DedupPolicyException e) {
                releaseQuietly(results);
                throw e;
            }
        }
        return List.of(decisions);
    }

    private Decision decideClaimed(ConsumerRecord<?, ?> record, ClaimResult result) {
        if (result.owns()) {
            if (result.outcome() == ClaimOutcome.RECLAIMED) {
                logDuplicate(record, result);
            }
            return new Decision(record, true, result.claim());
        }
        if (result.fingerprintMismatch()) {
            String message = "event " + result.request().key() + " at " + origin(record)
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
                    return new Decision(record, true, null);
                }
                case DROP ->
                    LOG.warn("{}; dropped as a duplicate ({}=drop)", message, DedupConfig.ON_FINGERPRINT_MISMATCH);
            }
        }
        logDuplicate(record, result);
        return new Decision(record, false, null);
    }

    private void logDuplicate(ConsumerRecord<?, ?> record, ClaimResult result) {
        if (LOG.isDebugEnabled()) {
            DuplicateCause cause = result.cause().orElseThrow();
            LOG.debug(
                    "event {} at {} is a {} of {} ({})",
                    result.request().key(),
                    origin(record),
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

    private Decision missingKey(ConsumerRecord<?, ?> record, String problem) {
        MissingKeyPolicy policy = config.onMissingKey();
        config.metrics().missingKey(namespace, policy);
        String message = "record " + origin(record) + " cannot be deduplicated: " + problem;
        switch (policy) {
            case FAIL -> throw new DedupPolicyException(message + " (" + DedupConfig.ON_MISSING_KEY + "=fail)");
            case SKIP -> {
                LOG.warn("{}; skipped ({}=skip)", message, DedupConfig.ON_MISSING_KEY);
                return new Decision(record, false, null);
            }
            default -> {
                LOG.debug("{}; processed without dedup ({}=process)", message, DedupConfig.ON_MISSING_KEY);
                return new Decision(record, true, null);
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

    /** Completes claims in one store call, timed and counted; an empty list costs nothing. */
    List<Boolean> complete(List<Claim> claims) {
        return claims.isEmpty() ? List.of() : timed("complete", () -> store.complete(claims, config.retention()));
    }

    /** Releases claims in one store call, timed and counted; an empty list costs nothing. */
    List<Boolean> release(List<Claim> claims) {
        return claims.isEmpty() ? List.of() : timed("release", () -> store.release(claims));
    }

    private <T> T timed(String operation, Supplier<T> call) {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T answer = call.get();
            failed = false;
            return answer;
        } finally {
            config.metrics().storeCall(namespace, operation, System.nanoTime() - start, failed);
        }
    }
}
