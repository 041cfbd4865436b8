package io.github.kdedup;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Remembers which event keys were processed, per namespace, in a store that every consumer of a
 * group shares. This is the SPI every store implements and the API the Kafka integration uses;
 * most stores extend {@link AbstractIdempotencyStore}, which implements the batch rules below once.
 *
 * <h2>The record</h2>
 *
 * Per (namespace, key) a store keeps one record: {@link ClaimState state}, token, owner, origin,
 * fingerprint and {@code expiresAt}. An in-progress record expires at claim time + lease, a
 * completed one at completion time + retention; an expired record counts as absent. Time is the
 * store's own clock (the Redis server's, the database's {@code now()}, an injected ticker): a
 * client's clock never decides expiry.
 *
 * <h2>Claim rules, applied atomically per key</h2>
 *
 * <table>
 *   <caption>claim</caption>
 *   <tr><th>existing record</th><th>outcome</th><th>new state</th></tr>
 *   <tr><td>none, or expired</td><td>CLAIMED</td><td>IN_PROGRESS, new token, expires at now + lease</td></tr>
 *   <tr><td>COMPLETED</td><td>DUPLICATE</td><td>unchanged</td></tr>
 *   <tr><td>IN_PROGRESS, same origin</td><td>RECLAIMED</td>
 *       <td>IN_PROGRESS, new token, new owner, expires at now + lease; the old token is fenced</td></tr>
 *   <tr><td>IN_PROGRESS, other origin</td><td>DUPLICATE</td><td>unchanged</td></tr>
 * </table>
 *
 * <h2>Batches</h2>
 *
 * Every operation takes a batch and answers in request order, with one round trip per batch wherever
 * the backend allows it. When one claim batch holds the same (namespace, key) more than once, the
 * first occurrence gets the rule's outcome and every later one is a DUPLICATE: of the first
 * occurrence's new in-progress record when the first owns the key, otherwise of the same record the
 * first found. Within a {@code complete} or {@code release} batch, repeated identities are applied
 * one after the other in request order. An empty batch answers an empty list without touching the
 * backend. A batch is not atomic as a whole: each key is decided on its own.
 *
 * <h2>Failures</h2>
 *
 * Losing a race is a result, never an exception. When the store cannot answer (the server is down,
 * a timeout, the store is closed) the operation throws {@link IdempotencyStoreException}, whose
 * message names the store, the operation and the cause; it never answers CLAIMED or DUPLICATE when it
 * does not know. A batch that failed may have been applied in part: claims taken then are simply
 * fenced by the next claim of the same origin, or expire with their lease.
 *
 * <h2>Threads and nulls</h2>
 *
 * Implementations are thread-safe: any number of threads may call any method at once. No argument
 * may be null, nor contain null elements.
 */
public interface IdempotencyStore extends AutoCloseable {

    /**
     * Claims each key by the rules above.
     *
     * @param requests the requests
     * @return one result per request, in request order
     * @throws IdempotencyStoreException when the store cannot answer
     */
    List<ClaimResult> claim(List<ClaimRequest> requests);

    /**
     * Turns each claim's record from IN_PROGRESS into COMPLETED, expiring at now + retention, but
     * only where the record is still in progress under the claim's token.
     *
     * @param claims the claims
     * @param retention how long completed keys are remembered: the dedup window, at least 1 ms and
     *     at most {@link AbstractIdempotencyStore#MAX_RETENTION}
     * @return for each claim in order, {@code true} when it was completed, {@code false} when the
     *     token was stale (the key was reclaimed, released, expired or already completed) and
     *     nothing changed
     * @throws IdempotencyStoreException when the store cannot answer
     */
    List<Boolean> complete(List<Claim> claims, Duration retention);

    /**
     * Deletes each claim's record, but only where it is still in progress under the claim's token,
     * so that the next delivery of the event claims it afresh.
     *
     * @param claims the claims
     * @return for each claim in order, {@code true} when the record was deleted, {@code false} when
     *     the token was stale and nothing changed
     * @throws IdempotencyStoreException when the store cannot answer
     */
    List<Boolean> release(List<Claim> claims);

    /**
     * Reads the live record of one key, for diagnostics. Not part of any claim decision.
     *
     * @param namespace the namespace
     * @param key the stored key
     * @return the record, or empty when there is none or it has expired
     * @throws IdempotencyStoreException when the store cannot answer
     */
    Optional<StoredRecord> find(String namespace, String key);

    /** Returns what this store can do, so callers and the contract suite never guess. */
    StoreCapabilities capabilities();

    /**
     * Returns a short description for logs and messages, such as {@code redis store
     * (redis://10.0.0.5:6379)}; never contains a password.
     */
    String description();

    /**
     * Releases the store's resources (connections, pools, threads). Claims held are not released:
     * they expire with their lease. Every later call throws {@link IdempotencyStoreException}.
     * Closing twice does nothing.
     */
    @Override
    void close();
}
