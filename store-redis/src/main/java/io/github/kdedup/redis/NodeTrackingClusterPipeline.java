package io.github.kdedup.redis;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Response;
import redis.clients.jedis.providers.ClusterConnectionProvider;

/**
 * A cluster pipeline that remembers which masters its commands went to, so that {@code WAIT} can be
 * sent to each of them. {@code WAIT} counts the replicas that acknowledged the writes of its own
 * connection, so it must follow the writes on the connection that sent them: Jedis's pipeline holds
 * one connection per node for its whole life, and {@link #waitOnEveryNode} routes each {@code WAIT}
 * to a node by the node itself, not by a key's slot (a slot map refreshed between the writes and the
 * {@code WAIT} could otherwise send it to another master, or to none of the written ones).
 *
 * <p>Not thread-safe, like every Jedis pipeline: one exchange of one thread.
 */
final class NodeTrackingClusterPipeline extends ClusterPipeline {

    private final Set<HostAndPort> written = new LinkedHashSet<>();
    private @Nullable HostAndPort forced;

    NodeTrackingClusterPipeline(ClusterConnectionProvider provider) {
        super(provider);
    }

    @Override
    protected HostAndPort getNodeKey(CommandArguments args) {
        HostAndPort node = forced;
        if (node != null) {
            return node;
        }
        node = super.getNodeKey(args);
        written.add(node);
        return node;
    }

    /** One {@code WAIT} reply, of a named master in a cluster (node null on a single server). */
    record NodeWait(@Nullable HostAndPort node, Response<Long> acknowledged) {}

    /**
     * Appends {@code WAIT replicas timeout} for every master that received a command of this
     * pipeline, on that master's connection.
     *
     * @param anyKey any key: Jedis's command needs one, but the node is chosen here
     * @return one reply per master, in the order the masters were first written to
     */
    List<NodeWait> waitOnEveryNode(String anyKey, int replicas, long timeoutMillis) {
        List<NodeWait> replies = new ArrayList<>(written.size());
        for (HostAndPort node : List.copyOf(written)) {
            forced = node;
            try {
                replies.add(new NodeWait(node, waitReplicas(anyKey, replicas, timeoutMillis)));
            } finally {
                forced = null;
            }
        }
        return replies;
    }
}
