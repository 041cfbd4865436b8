package io.github.kdedup.redis;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

/**
 * The opt-in {@code WAIT} after each write exchange: the exchange counts as done only when {@code
 * replicas} replicas acknowledged its writes within {@code timeout}; a shortfall is a failure of the
 * call ({@link Shortfall}), whose writes may or may not survive a failover. Immutable and
 * thread-safe.
 *
 * @param replicas the replicas that must acknowledge, at least 1
 * @param timeout how long {@code WAIT} may block, shorter than the socket timeout
 */
record RedisDurability(int replicas, Duration timeout) {

    /**
     * Appends {@code WAIT} to a pipeline, after its writes and on the same connection (one server:
     * standalone or Sentinel's master; the key only routes the command, it is not sent).
     *
     * @param anyKey a key of the exchange
     * @return the reply to check with {@link #check}, or null when there is nothing to wait for
     */
    static @Nullable Response<Long> append(
            @Nullable RedisDurability durability, AbstractPipeline pipeline, String anyKey) {
        return durability == null
                ? null
                : pipeline.waitReplicas(anyKey, durability.replicas, durability.timeout.toMillis());
    }

    /**
     * Checks the reply of {@link #append}.
     *
     * @throws Shortfall when fewer replicas acknowledged than required
     */
    static void check(@Nullable RedisDurability durability, @Nullable Response<Long> acknowledged) {
        if (durability != null && acknowledged != null) {
            long count = acknowledged.get();
            if (count < durability.replicas) {
                throw new Shortfall("only " + count + " of the " + durability.replicas + " replicas required "
                        + "(waitReplicas) acknowledged the writes within " + durability.timeout.toMillis()
                        + " ms (waitTimeout): they may be lost in a failover; check the replicas "
                        + "(INFO replication), raise waitTimeout or lower waitReplicas");
            }
        }
    }

    /** Fewer replicas acknowledged than required. */
    static final class Shortfall extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Shortfall(String message) {
            super(message);
        }
    }
}
