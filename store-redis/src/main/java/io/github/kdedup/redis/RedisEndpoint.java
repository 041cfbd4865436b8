package io.github.kdedup.redis;

import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.HostAndPort;

/**
 * Where and how to connect: the checked, immutable result of a {@link RedisStoreBuilder}. Its
 * {@link #toString()} never shows a password.
 *
 * @param topology standalone, cluster (nodes are seeds) or sentinel (nodes are the sentinels)
 * @param nodes at least one node
 * @param sentinel the master name and the sentinels' own credentials, or null unless {@code SENTINEL}
 * @param user the ACL user, or null for the default user
 * @param password the password, or null for none
 * @param database the logical database (0 in a cluster)
 * @param poolSize connections per node
 * @param timeout the connect, read and pool-wait timeout
 * @param tls the TLS socket factory and parameters, or null for plain TCP
 * @param durability the WAIT after each write exchange, or null for none
 * @param description the store's name in messages, with the URI redacted
 */
record RedisEndpoint(
        Topology topology,
        List<HostAndPort> nodes,
        @Nullable Sentinel sentinel,
        @Nullable String user,
        @Nullable String password,
        int database,
        int poolSize,
        Duration timeout,
        @Nullable Tls tls,
        @Nullable RedisDurability durability,
        String description) {

    /**
     * A TLS set-up ready for Jedis.
     *
     * @param socketFactory made from the user's trust and identity
     * @param parameters host name verification, or not
     */
    record Tls(SSLSocketFactory socketFactory, SSLParameters parameters) {}

    /** How the nodes are reached. */
    enum Topology {
        STANDALONE,
        CLUSTER,
        SENTINEL
    }

    /**
     * What Sentinel needs besides the sentinels' addresses.
     *
     * @param masterName the name the sentinels monitor the master under
     * @param user the sentinels' ACL user, or null
     * @param password the sentinels' password, or null (sentinels often have none, or their own)
     */
    record Sentinel(String masterName, @Nullable String user, @Nullable String password) {
        @Override
        public String toString() {
            return "Sentinel[masterName=" + masterName + "]";
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
