package io.github.kdedup.benchmarks;

import java.time.Duration;

/**
 * What {@link ClaimBenchmark} measures, behind one small typed facade (as Caffeine's benchmarks put
 * every cache behind {@code BasicCache}): a kdedup store, a raw backend operation or a peer. A
 * target turns keys into its own batch type {@code B} in setup, so that the measured calls only
 * claim.
 *
 * <p>Every target keeps its data under a random id (namespace, key prefix, table) and removes it in
 * {@link #clear()} and {@link #close()}: the servers are shared. Not thread-safe: one benchmark
 * thread uses a target. No argument or result is null.
 *
 * @param <B> a prepared batch of keys
 */
interface ClaimTarget<B> extends AutoCloseable {

    /** The lease of a benchmark claim; also the TTL of raw keys, so that leftovers expire. */
    Duration LEASE = Duration.ofMinutes(2);

    /** The retention of completed keys. */
    Duration RETENTION = Duration.ofMinutes(5);

    /** The topic of every claim's origin. */
    String TOPIC = "bench";

    /** The owner of every claim. */
    String OWNER = "bench-consumer#0a1b2c3d";

    /**
     * Turns keys [from, to) into one batch; called in setup, never measured.
     *
     * @param keys the key pool
     * @param from the first key
     * @param to after the last key
     * @return the batch
     */
    B prepare(String[] keys, int from, int to);

    /**
     * Claims every key of the batch.
     *
     * @param batch a batch from {@link #prepare}
     * @return how many keys this call won
     */
    int claim(B batch);

    /**
     * Claims every key of the batch and completes those it won, as a consumer does for each poll:
     * what users pay per record.
     *
     * @param batch a batch from {@link #prepare}
     * @return how many keys were completed
     * @throws UnsupportedOperationException for a raw baseline, which has nothing to complete
     */
    int cycle(B batch);

    /**
     * Makes the keys present as if claimed and completed earlier: the duplicates of the next claims.
     *
     * @param keys the keys
     */
    void preload(String[] keys);

    /** Removes every key this target wrote. */
    void clear();

    /** Removes everything this target wrote and releases its connections. */
    @Override
    void close();
}
