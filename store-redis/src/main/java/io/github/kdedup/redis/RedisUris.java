package io.github.kdedup.redis;

import io.github.kdedup.StoreUri;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.HostAndPort;

/** Turns store URIs into builders. Pure and thread-safe; messages never hold a password. */
final class RedisUris {

    static final String FORMS = "redis://[user:password@]host:port[/db], rediss://... (TLS) or "
            + "redis-cluster://[user:password@]host1:port1,host2:port2, with optional ?poolSize=16&timeout=PT2S"
            + "&keyPrefix=kdedup";

    private RedisUris() {}

    static RedisIdempotencyStore.Builder toBuilder(StoreUri uri) {
        try {
            return parse(uri);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("bad Redis store URI")) {
                throw e;
            }
            throw bad(uri, String.valueOf(e.getMessage()));
        }
    }

    private static RedisIdempotencyStore.Builder parse(StoreUri uri) {
        String scheme = uri.scheme();
        if (!scheme.equals("redis") && !scheme.equals("rediss") && !scheme.equals("redis-cluster")) {
            throw bad(uri, "unknown scheme '" + scheme + "'");
        }
        String base = uri.base();
        String start = scheme + "://";
        if (!base.toLowerCase(java.util.Locale.ROOT).startsWith(start)) {
            throw bad(uri, "expected '" + start + "' at the start");
        }
        String rest = base.substring(start.length());
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String info = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
            if (colon < 0) {
                // redis://secret@host is how some clients write a password without a user.
                password = user;
                user = null;
            }
        }
        if (authority.isEmpty()) {
            throw bad(uri, "no host:port");
        }
        List<HostAndPort> nodes = new ArrayList<>();
        for (String node : authority.split(",", -1)) {
            nodes.add(hostAndPort(uri, node));
        }
        RedisIdempotencyStore.Builder builder = RedisIdempotencyStore.builder();
        if (scheme.equals("redis-cluster")) {
            if (!path.isEmpty()) {
                throw bad(uri, "a cluster has no database: remove '/" + path + "'");
            }
            builder.cluster(nodes);
        } else {
            if (nodes.size() != 1) {
                throw bad(uri, "one host:port only; use redis-cluster:// for several nodes");
            }
            builder.standalone(nodes.get(0).getHost(), nodes.get(0).getPort());
            builder.ssl(scheme.equals("rediss"));
            if (!path.isEmpty()) {
                try {
                    builder.database(Integer.parseInt(path));
                } catch (NumberFormatException e) {
                    throw bad(uri, "the database after '/' must be a number, got '" + path + "'");
                }
            }
        }
        for (Map.Entry<String, String> parameter : uri.parameters().entrySet()) {
            String value = parameter.getValue();
            switch (parameter.getKey()) {
                case "poolSize" -> builder.poolSize(number(uri, "poolSize", value));
                case "timeout" -> builder.timeout(duration(uri, value));
                case "keyPrefix" -> builder.keyPrefix(value);
                case "ssl" -> builder.ssl(Boolean.parseBoolean(value) || scheme.equals("rediss"));
                case "user" -> user = value;
                case "password" -> password = value;
                default ->
                    throw bad(
                            uri,
                            "unknown parameter '" + parameter.getKey()
                                    + "'; accepted: poolSize, timeout, keyPrefix, ssl, user, password");
            }
        }
        builder.credentials(user, password);
        return builder;
    }

    private static HostAndPort hostAndPort(StoreUri uri, String node) {
        int colon = node.lastIndexOf(':');
        String host = colon < 0 ? node : node.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw bad(uri, "empty host in '" + node + "'");
        }
        if (colon < 0) {
            return new HostAndPort(host, 6379);
        }
        int port;
        try {
            port = Integer.parseInt(node.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw bad(uri, "the port of '" + node + "' is not a number");
        }
        if (port < 1 || port > 65535) {
            throw bad(uri, "the port of '" + node + "' must be between 1 and 65535");
        }
        return new HostAndPort(host, port);
    }

    private static int number(StoreUri uri, String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw bad(uri, name + " must be a whole number, got '" + value + "'");
        }
    }

    /** An ISO-8601 duration ({@code PT2S}) or whole milliseconds ({@code 2000}). */
    private static Duration duration(StoreUri uri, String value) {
        try {
            return value.matches("\\d+") ? Duration.ofMillis(Long.parseLong(value)) : Duration.parse(value);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw bad(uri, "timeout must be an ISO-8601 duration such as PT2S, or milliseconds, got '" + value + "'");
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException bad(StoreUri uri, String what) {
        return new IllegalArgumentException(
                "bad Redis store URI '" + uri.redacted() + "': " + what + ". Expected " + FORMS);
    }
}
