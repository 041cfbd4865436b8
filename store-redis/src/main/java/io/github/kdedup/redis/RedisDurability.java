package io.github.kdedup.redis;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

/**
 * The opt-in {@code WAIT} after each write exchange: the exchange counts as done only when {@code
 * replicas} replicas acknowledged its writes within {@code timeout}, on every master it wrote to; a
 * shortfall on any master is a failure of the call ({@link Shortfall}), whose writes may or may not
 * survive a failover. Immutable and thread-safe.
 *
 * @param replicas the replicas that must acknowledge, at least 1
 * @param timeout how long {@code WAIT} may block, shorter than the socket timeout
 */
record RedisDurability(int replicas, Duration timeout) {

    /**
     * Appends {@code WAIT} to a pipeline, after its writes and on the same connection: on one server
     * (standalone or Sentinel's master) once, the key only routing the command; on a cluster once per
     * master that received a command of the pipeline ({@link NodeTrackingClusterPipeline}).
     *
     * @param anyKey a key of the exchange
     * @return the replies to check with {@link #check}, or null when there is nothing to wait for
     */
    static @Nullable List<NodeTrackingClusterPipeline.NodeWait> append(
            @Nullable RedisDurability durability, AbstractPipeline pipeline, String anyKey) {
        if (durability == null) {
            return null;
        }
        long millis = durability.timeout.toMillis();
        if (pipeline instanceof NodeTrackingClusterPipeline cluster) {
            return cluster.waitOnEveryNode(anyKey, durability.replicas, millis);
        }
        Response<Long> reply = pipeline.waitReplicas(anyKey, durability.replicas, millis);
        // The node is not named for a single server: the store's description already says which it is.
        return List.of(new NodeTrackingClusterPipeline.NodeWait(null, reply));
    }

    /**
     * Checks the replies of {@link #append}, after the pipeline was synced.
     *
     * @throws Shortfall when fewer replicas acknowledged than required, on any master
     */
    static void check(
            @Nullable RedisDurability durability, @Nullable List<NodeTrackingClusterPipeline.NodeWait> replies) {
        if (durability == null || replies == null) {
            return;
        }
        for (NodeTrackingClusterPipeline.NodeWait reply : replies) {
            long count = reply.acknowledged().get();
            if (count < durability.replicas) {
                throw new Shortfall("only " + count + " of the " + durability.replicas + " replicas required "
                        + "(waitReplicas) acknowledged the writes"
                        + (reply.node() == null ? "" : " on master " + reply.node())
                        + " within " + durability.timeout.toMillis()
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
