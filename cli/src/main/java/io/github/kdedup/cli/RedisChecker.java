package io.github.kdedup.cli;

import io.github.kdedup.StoreUri;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Checks a Redis (or each node of a Redis Cluster) with Jedis: reachable, version, eviction policy,
 * persistence and replication. Reads {@code INFO}, which managed services allow, and only then
 * {@code CONFIG GET}, which some disable. Writes nothing.
 */
final class RedisChecker implements StoreChecker {

    private static final int TIMEOUT_MILLIS = 3000;

    /** Where and how to connect, parsed from the store URI; the password never leaves this object. */
    private record Target(
            List<HostAndPort> nodes, @Nullable String user, @Nullable String password, int database, boolean ssl) {}

    @Override
    public List<Finding> check(StoreUri uri) {
        Target target = target(uri);
        List<Finding> findings = new ArrayList<>();
        boolean cluster = target.nodes().size() > 1 || uri.scheme().equals("redis-cluster");
        for (HostAndPort node : target.nodes()) {
            String prefix = cluster ? node + " " : "";
            if (!checkNode(target, node, prefix, findings)) {
                break;
            }
        }
        return findings;
    }

    /** Returns false when the node could not be reached, so that the report stops there. */
    private static boolean checkNode(Target target, HostAndPort node, String prefix, List<Finding> findings) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS)
                .socketTimeoutMillis(TIMEOUT_MILLIS)
                .database(target.database())
                .ssl(target.ssl())
                .clientName("kdedup-check");
        if (target.user() != null) {
            config.user(target.user());
        }
        if (target.password() != null) {
            config.password(target.password());
        }
        try (Jedis jedis = new Jedis(node, config.build())) {
            long t0 = System.nanoTime();
            jedis.ping();
            findings.add(Finding.ok(
                    prefix + "reachable",
                    "PING answered in " + Math.max(1, (System.nanoTime() - t0) / 1_000_000) + " ms"
                            + (target.ssl() ? " over TLS" : "")));
            Map<String, String> info = parseInfo(jedis.info());
            findings.add(version(prefix, info));
            findings.add(eviction(prefix, info));
            findings.add(persistence(prefix, info, jedis));
            findings.add(replication(prefix, info));
            findings.add(Finding.ok(
                    prefix + "keys", "db" + target.database() + ": " + jedis.dbSize() + " keys (kdedup's and others)"));
            return true;
        } catch (JedisException e) {
            findings.add(Finding.fail(
                    prefix + "reachable",
                    "cannot talk to Redis at " + node + " (" + oneLine(e)
                            + "); check host, port, password, TLS (rediss://) and that the server runs"));
            return false;
        }
    }

    private static Finding version(String prefix, Map<String, String> info) {
        String version = info.getOrDefault("redis_version", "unknown");
        String server =
                info.containsKey("valkey_version") ? "Valkey " + info.get("valkey_version") : "Redis " + version;
        int major = leadingInt(version);
        int minor = leadingInt(version.substring(Math.min(version.length(), version.indexOf('.') + 1)));
        if (major >= 7) {
            return Finding.ok(
                    prefix + "server version",
                    server + ": SET key value NX PX lease GET claims a batch in one pipeline");
        }
        if (major == 6 && minor >= 2) {
            return Finding.ok(
                    prefix + "server version",
                    server + ": no SET ... NX GET before 7.0, so claims run as a script (one round trip per batch)");
        }
        if (major == 6) {
            return Finding.warn(
                    prefix + "server version",
                    server + ": claims run as a script, but 6.0 and 6.1 are untested; prefer 6.2 or 7.x");
        }
        return Finding.fail(
                prefix + "server version", server + ": kdedup needs Redis 6.2 or later; upgrade the server");
    }

    private static Finding eviction(String prefix, Map<String, String> info) {
        String policy = info.getOrDefault("maxmemory_policy", "unknown");
        long maxmemory = parseLong(info.get("maxmemory"));
        if (policy.equals("noeviction")) {
            return Finding.ok(
                    prefix + "maxmemory-policy",
                    "noeviction: a full Redis refuses writes (the consumer fails loudly) instead of forgetting claims");
        }
        String evicts = "Redis may evict claims (every kdedup key has a TTL, so volatile-* policies evict them too),"
                + " and an evicted claim is an event processed again; set maxmemory-policy noeviction or give kdedup"
                + " its own instance";
        if (maxmemory == 0) {
            return Finding.warn(
                    prefix + "maxmemory-policy",
                    policy + " with no maxmemory: nothing is evicted today, but once a limit is set " + evicts);
        }
        return Finding.fail(prefix + "maxmemory-policy", policy + " with maxmemory " + maxmemory + " bytes: " + evicts);
    }

    private static Finding persistence(String prefix, Map<String, String> info, Jedis jedis) {
        boolean aof = "1".equals(info.get("aof_enabled"));
        if (!aof) {
            String rdb = info.getOrDefault("rdb_last_save_time", "?");
            return Finding.warn(
                    prefix + "persistence",
                    "appendonly no (last RDB save at epoch " + rdb + " s): a restart forgets the claims written since"
                            + " the last snapshot, and those events are processed again; set appendonly yes");
        }
        String fsync;
        try {
            fsync = jedis.configGet("appendfsync").getOrDefault("appendfsync", "unknown");
        } catch (JedisException e) {
            return Finding.ok(prefix + "persistence", "appendonly yes (CONFIG is disabled: appendfsync unknown)");
        }
        if (fsync.equals("always")) {
            return Finding.ok(prefix + "persistence", "appendonly yes, appendfsync always");
        }
        return Finding.warn(
                prefix + "persistence",
                "appendonly yes, appendfsync " + fsync + ": a crash of the server loses up to a second of claims;"
                        + " appendfsync always, or a replica, closes that window");
    }

    private static Finding replication(String prefix, Map<String, String> info) {
        String role = info.getOrDefault("role", "unknown");
        if (role.equals("slave") || role.equals("replica")) {
            return Finding.warn(
                    prefix + "replication",
                    "this node is a replica: kdedup must write to the master; point the URI at the master");
        }
        long replicas = parseLong(info.get("connected_slaves"));
        if (replicas > 0) {
            return Finding.ok(prefix + "replication", "master with " + replicas + " connected replica(s)");
        }
        return Finding.warn(
                prefix + "replication",
                "master without replicas: if this server dies, the claims are gone until it is back (with its"
                        + " persistence) or for good; add a replica for a group that must not reprocess");
    }

    private static Target target(StoreUri uri) {
        String rest = uri.base().substring(uri.scheme().length() + 1);
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            String u = colon < 0 ? "" : StoreUri.decode(userInfo.substring(0, colon));
            password = StoreUri.decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            user = u.isEmpty() ? null : u;
        }
        int database = 0;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String db = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
            if (!db.isEmpty()) {
                try {
                    database = Integer.parseInt(db);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "the database of " + uri.redacted() + " must be a number, got '" + db + "'");
                }
            }
        }
        List<HostAndPort> nodes = new ArrayList<>();
        for (String hostPort : rest.split(",")) {
            if (!hostPort.isBlank()) {
                nodes.add(hostAndPort(hostPort.strip(), uri));
            }
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no host in " + uri.redacted() + "; write redis://HOST:6379");
        }
        return new Target(nodes, user, password, database, uri.scheme().equals("rediss"));
    }

    private static HostAndPort hostAndPort(String text, StoreUri uri) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return new HostAndPort(text, 6379);
        }
        try {
            return new HostAndPort(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + text + "' of " + uri.redacted());
        }
    }

    /** Reads the {@code name:value} lines of {@code INFO}. */
    static Map<String, String> parseInfo(String info) {
        Map<String, String> values = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return values;
    }

    private static int leadingInt(String version) {
        int end = 0;
        while (end < version.length() && Character.isDigit(version.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(version.substring(0, end));
    }

    private static long parseLong(@Nullable String text) {
        try {
            return text == null ? 0 : Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String oneLine(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.replaceAll("\\s+", " ");
    }
}
