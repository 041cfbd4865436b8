package io.github.kdedup.redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.Pool;
import redis.clients.jedis.util.SafeEncoder;

/**
 * What the store learns from the servers when it opens: every node answers {@code PING} (so a wrong
 * password or an unreachable node fails at once), whether every node accepts {@code SET ... NX GET}
 * (Redis 7.0+), and whether a node's {@code maxmemory-policy} may evict kdedup's keys.
 *
 * @param evictionWarning the warning to log, or null when every node answered {@code noeviction} or
 *     {@code CONFIG} could not be read
 * @param setNxGet whether every node runs Redis 7.0 or later (Valkey reports a 7.x version too)
 * @param version the lowest server version seen, or {@code unknown}
 */
record RedisServerProbe(@Nullable String evictionWarning, boolean setNxGet, String version) {

    private static final Logger LOG = LoggerFactory.getLogger(RedisServerProbe.class);

    /** One node's way to send a command. */
    private interface Node {
        Object send(ProtocolCommand command, String... args);
    }

    /**
     * Probes every node (every master of a cluster, the current master behind sentinels).
     *
     * @throws RuntimeException the Jedis failure of a node that did not answer {@code PING}
     */
    static RedisServerProbe probe(UnifiedJedis client, String description) {
        List<String> risky = new ArrayList<>();
        int lowestMajor = Integer.MAX_VALUE;
        String lowest = "unknown";
        if (client instanceof RedisClusterClient cluster) {
            Map<String, Pool<Connection>> pools = new LinkedHashMap<>(cluster.getClusterNodes());
            for (Map.Entry<String, Pool<Connection>> entry : pools.entrySet()) {
                try (Connection connection = entry.getValue().getResource()) {
                    Jedis jedis = new Jedis(connection);
                    Facts facts = facts(jedis::sendCommand, entry.getKey(), description);
                    facts.risk().ifPresent(risky::add);
                    if (facts.major() < lowestMajor) {
                        lowestMajor = facts.major();
                        lowest = facts.version();
                    }
                }
            }
        } else {
            Facts facts = facts(client::sendCommand, "the server", description);
            facts.risk().ifPresent(risky::add);
            lowestMajor = facts.major();
            lowest = facts.version();
        }
        String warning = risky.isEmpty()
                ? null
                : String.join("; ", risky)
                        + ": Redis may evict kdedup keys under memory pressure, and an evicted key is a forgotten "
                        + "event that will be processed again. Set maxmemory-policy noeviction (writes then fail "
                        + "loudly instead) or give kdedup a dedicated instance.";
        return new RedisServerProbe(warning, lowestMajor >= 7 && lowestMajor != Integer.MAX_VALUE, lowest);
    }

    private record Facts(Optional<String> risk, int major, String version) {}

    private static Facts facts(Node node, String name, String description) {
        node.send(Protocol.Command.PING);
        String policy = readable(description, "maxmemory-policy", () -> {
            Object reply = node.send(Protocol.Command.CONFIG, "GET", "maxmemory-policy");
            List<?> pair = reply instanceof List<?> list ? list : List.of();
            return pair.size() < 2 ? null : text(pair.get(1)).toLowerCase(Locale.ROOT);
        });
        String version = readable(description, "the server version", () -> {
            for (String line : text(node.send(Protocol.Command.INFO, "server")).split("\r?\n")) {
                if (line.startsWith("redis_version:")) {
                    return line.substring("redis_version:".length()).trim();
                }
            }
            return null;
        });
        int major = 0;
        if (version != null) {
            try {
                major = Integer.parseInt(version.substring(0, version.indexOf('.')));
            } catch (RuntimeException e) {
                major = 0;
            }
        }
        Optional<String> risk = policy == null || policy.equals("noeviction")
                ? Optional.empty()
                : Optional.of(name + " has maxmemory-policy " + policy);
        return new Facts(risk, major, version == null ? "unknown" : version);
    }

    private interface Read {
        @Nullable
        String read();
    }

    private static @Nullable String readable(String description, String what, Read read) {
        try {
            return read.read();
        } catch (JedisDataException e) {
            // CONFIG and INFO are often renamed or disabled on managed services: the probe advises, it does not gate.
            LOG.debug("{}: cannot read {} ({})", description, what, e.getMessage());
            return null;
        }
    }

    private static String text(Object reply) {
        return reply instanceof byte[] bytes ? SafeEncoder.encode(bytes) : String.valueOf(reply);
    }
}
