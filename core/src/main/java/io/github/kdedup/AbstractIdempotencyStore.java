package io.github.kdedup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The base of every store: it implements the batch rules of {@link IdempotencyStore} once, so that
 * a store only implements the per-key primitives for batches of distinct keys.
 *
 * <p>What this class does, in order, for every operation:
 *
 * <ol>
 *   <li>refuses calls after {@link #close()} with an {@link IdempotencyStoreException};
 *   <li>answers an empty batch at once;
 *   <li>for {@code claim}, sends each (namespace, key) once and answers later occurrences as
 *       DUPLICATE of the first; for {@code complete} and {@code release}, applies repeated
 *       identities in successive rounds, in request order (both through {@link Subset}, the one
 *       place that maps indexes between a batch and a part of it);
 *   <li>splits batches larger than {@link StoreCapabilities#maxBatchSize()};
 *   <li>checks that the store answered once per request and wraps any other runtime failure in an
 *       {@link IdempotencyStoreException} that names the store and the operation.
 * </ol>
 *
 * <p>Subclasses must be thread-safe and must apply the claim rules atomically per key. The
 * {@code do*} methods are never called with an empty batch, with more than {@code maxBatchSize}
 * elements, with one identity twice, or after close.
 */
public abstract class AbstractIdempotencyStore implements IdempotencyStore {

    /** The longest retention: a dedup window longer than a year is almost surely a unit mistake. */
    public static final Duration MAX_RETENTION = Duration.ofDays(366);

    private volatile boolean closed;

    // The primitives as functions, made once: a method reference written at the call would be a new
    // object on every claim and release.
    private final Function<List<ClaimRequest>, List<ClaimResult>> claimBatch = this::doClaim;
    private final Function<List<Claim>, List<Boolean>> releaseBatch = this::doRelease;

    /** Creates the base. */
    protected AbstractIdempotencyStore() {}

    /**
     * Claims distinct keys.
     *
     * @param requests requests with distinct (namespace, key), at most {@code maxBatchSize}
     * @return one result per request, in order
     */
    protected abstract List<ClaimResult> doClaim(List<ClaimRequest> requests);

    /**
     * Completes distinct claims.
     *
     * @param claims claims with distinct (namespace, key), at most {@code maxBatchSize}
     * @param retention the checked retention
     * @return one answer per claim, in order
     */
    protected abstract List<Boolean> doComplete(List<Claim> claims, Duration retention);

    /**
     * Releases distinct claims.
     *
     * @param claims claims with distinct (namespace, key), at most {@code maxBatchSize}
     * @return one answer per claim, in order
     */
    protected abstract List<Boolean> doRelease(List<Claim> claims);

    /**
     * Finds one live record.
     *
     * @param namespace a valid namespace
     * @param key a valid key
     * @return the record, or empty
     */
    protected abstract Optional<StoredRecord> doFind(String namespace, String key);

    /** Frees the store's resources; called once, by the first {@link #close()}. */
    protected abstract void doClose();

    @Override
    public final List<ClaimResult> claim(List<ClaimRequest> requests) {
        requireOpen("claim");
        requireNoNulls(requests, "requests");
        if (requests.isEmpty()) {
            return List.of();
        }
        if (requests.size() == 1) {
            return inChunks(requests, claimBatch, "claim");
        }
        // The first occurrence of each identity is claimed; firstOf[i] is the first with request i's identity.
        int[] firstOf = firstOccurrences(requests.size(), i -> requests.get(i).namespace(), i -> requests.get(i)
                .key());
        Subset firsts = new Subset(requests.size());
        for (int i = 0; i < firstOf.length; i++) {
            if (firstOf[i] == i) {
                firsts.add(i);
            }
        }
        if (firsts.isWhole()) {
            return inChunks(requests, claimBatch, "claim");
        }
        ClaimResult[] results = new ClaimResult[requests.size()];
        firsts.putBack(inChunks(firsts.pick(requests), claimBatch, "claim"), results);
        for (int i = 0; i < requests.size(); i++) {
            if (results[i] == null) {
                results[i] = ClaimResult.duplicate(requests.get(i), recordMadeBy(results[firstOf[i]]));
            }
        }
        return Collections.unmodifiableList(Arrays.asList(results));
    }

    @Override
    public final List<Boolean> complete(List<Claim> claims, Duration retention) {
        requireOpen("complete");
        requireNoNulls(claims, "claims");
        ClaimRequest.requirePositiveMillis("retention", retention, MAX_RETENTION);
        return inRounds(claims, batch -> doComplete(batch, retention), "complete");
    }

    @Override
    public final List<Boolean> release(List<Claim> claims) {
        requireOpen("release");
        requireNoNulls(claims, "claims");
        return inRounds(claims, releaseBatch, "release");
    }

    @Override
    public final Optional<StoredRecord> find(String namespace, String key) {
        requireOpen("find");
        IdempotencyKeys.requireValidNamespace(namespace);
        IdempotencyKeys.requireValidKey(key);
        try {
            return doFind(namespace, key);
        } catch (IdempotencyStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure("find of " + namespace + "/" + key, e);
        }
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        doClose();
    }

    /** Returns whether {@link #close()} was called. */
    protected final boolean isClosed() {
        return closed;
    }

    /**
     * Wraps an unexpected failure in the store exception, naming this store and the operation.
     *
     * @param operation the operation, such as {@code claim of 500 keys}
     * @param cause the failure
     * @return the exception to throw
     */
    protected IdempotencyStoreException failure(String operation, Throwable cause) {
        String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        return new IdempotencyStoreException(description(), operation, message, cause);
    }

    @Override
    public String toString() {
        return description();
    }

    private void requireOpen(String operation) {
        if (closed) {
            throw new IdempotencyStoreException(
                    description(), operation, "the store is closed; open a new store (or stop using this one)", null);
        }
    }

    private static void requireNoNulls(List<?> list, String what) {
        Objects.requireNonNull(list, what);
        for (Object element : list) {
            if (element == null) {
                throw new NullPointerException(what + " must not contain null");
            }
        }
    }

    /**
     * Returns, for each of {@code size} items, the index of the first item with the same namespace and
     * key: an open-addressing table of indexes, so no object per item (a map of identities cost about
     * 80 bytes per key of every batch).
     */
    private static int[] firstOccurrences(int size, IntFunction<String> namespace, IntFunction<String> key) {
        int[] firstOf = new int[size];
        // Slots hold index + 1 (0 is empty); at least twice the items, a power of two.
        int[] slots = new int[Integer.highestOneBit(Math.max(1, size * 2 - 1)) << 1];
        int mask = slots.length - 1;
        for (int i = 0; i < size; i++) {
            String ns = namespace.apply(i);
            String k = key.apply(i);
            int h = (ns.hashCode() * 31 + k.hashCode()) * 0x9E3779B9;
            int slot = (h ^ (h >>> 16)) & mask;
            int first = i;
            for (int at = slots[slot]; at != 0; slot = (slot + 1) & mask, at = slots[slot]) {
                if (key.apply(at - 1).equals(k) && namespace.apply(at - 1).equals(ns)) {
                    first = at - 1;
                    break;
                }
            }
            if (first == i) {
                slots[slot] = i + 1;
            }
            firstOf[i] = first;
        }
        return firstOf;
    }

    /** The record a later occurrence of the same key in one batch is a duplicate of. */
    private static ExistingRecord recordMadeBy(ClaimResult first) {
        if (first.owns()) {
            ClaimRequest r = first.request();
            return new ExistingRecord(ClaimState.IN_PROGRESS, r.origin(), r.owner(), r.fingerprint());
        }
        return first.existing().orElseThrow();
    }

    private List<Boolean> inRounds(List<Claim> claims, Function<List<Claim>, List<Boolean>> operation, String name) {
        if (claims.isEmpty()) {
            return List.of();
        }
        if (claims.size() == 1) {
            return inChunks(claims, operation, name);
        }
        // Round k holds the k-th occurrence of each identity, so repeats apply in request order.
        int[] firstOf = firstOccurrences(claims.size(), i -> claims.get(i).namespace(), i -> claims.get(i)
                .key());
        boolean repeats = false;
        for (int i = 0; i < firstOf.length && !repeats; i++) {
            repeats = firstOf[i] != i;
        }
        if (!repeats) {
            return inChunks(claims, operation, name);
        }
        int[] occurrences = new int[claims.size()];
        List<Subset> rounds = new ArrayList<>();
        for (int i = 0; i < claims.size(); i++) {
            int round = occurrences[firstOf[i]]++;
            if (round == rounds.size()) {
                rounds.add(new Subset(claims.size()));
            }
            rounds.get(round).add(i);
        }
        Boolean[] answers = new Boolean[claims.size()];
        for (Subset round : rounds) {
            round.putBack(inChunks(round.pick(claims), operation, name), answers);
        }
        return Collections.unmodifiableList(Arrays.asList(answers));
    }

    private <T, R> List<R> inChunks(List<T> items, Function<List<T>, List<R>> operation, String name) {
        // One item always fits (maxBatchSize is at least 1): a claim per record skips the capabilities.
        if (items.size() == 1) {
            return call(items, operation, name);
        }
        int max = capabilities().maxBatchSize();
        if (items.size() <= max) {
            return call(items, operation, name);
        }
        List<R> all = new ArrayList<>(items.size());
        for (int from = 0; from < items.size(); from += max) {
            all.addAll(call(items.subList(from, Math.min(items.size(), from + max)), operation, name));
        }
        return Collections.unmodifiableList(all);
    }

    private <T, R> List<R> call(List<T> items, Function<List<T>, List<R>> operation, String name) {
        List<R> answers;
        try {
            answers = operation.apply(items);
        } catch (IdempotencyStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(what(name, items.size()), e);
        }
        if (answers == null || answers.size() != items.size()) {
            throw new IdempotencyStoreException(
                    description(),
                    what(name, items.size()),
                    "the store answered " + (answers == null ? "null" : answers.size() + " results")
                            + "; this is a bug in the store",
                    null);
        }
        return answers;
    }

    /** Names an operation on a batch for an error message; built only on failure. */
    private static String what(String name, int size) {
        return name + " of " + size + (size == 1 ? " key" : " keys");
    }
}
