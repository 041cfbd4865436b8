package io.github.kdedup.redis;

import io.github.kdedup.StoreUri;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.HostAndPort;

/**
 * Turns a store URI into a {@link RedisStoreBuilder}: the one place that knows the URI forms and
 * parameters. Stateless and thread-safe; messages hold the URI only redacted.
 */
final class RedisUris {

    static final String FORMS = "redis://[user:password@]host:port[/db], rediss://... (TLS) or "
            + "redis-cluster://[user:password@]host1:port1,host2:port2, or "
            + "redis-sentinel://[user:password@]host1:26379,host2:26379[/db]?masterName=mymaster (rediss-sentinel:// "
            + "for TLS), with optional ?poolSize=16&timeout=PT2S"
            + "&keyPrefix=kdedup; TLS: caCert=ca.pem or trustStore=..&trustStorePassword=.., clientCert=..&clientKey=.. "
            + "or keyStore=..&keyStorePassword=.., verifyHostname=true; waitReplicas=1&waitTimeout=PT0.1S";

    private static final Set<String> PARAMETERS = Set.of(
            "poolSize",
            "timeout",
            "keyPrefix",
            "ssl",
            "user",
            "password",
            "caCert",
            "trustStore",
            "trustStorePassword",
            "clientCert",
            "clientKey",
            "keyStore",
            "keyStorePassword",
            "verifyHostname",
            "masterName",
            "sentinelUser",
            "sentinelPassword",
            "waitReplicas",
            "waitTimeout");

    private static final Set<String> SCHEMES =
            Set.of("redis", "rediss", "redis-cluster", "redis-sentinel", "rediss-sentinel");

    private RedisUris() {}

    /**
     * Parses a URI into a builder that has not connected yet.
     *
     * @throws IllegalArgumentException naming the redacted URI, what was wrong and the accepted forms
     */
    static RedisStoreBuilder toBuilder(StoreUri uri) {
        String scheme = uri.scheme();
        if (!SCHEMES.contains(scheme)) {
            throw bad(uri, "unknown scheme '" + scheme + "'");
        }
        String start = scheme + "://";
        if (!uri.base().toLowerCase(Locale.ROOT).startsWith(start)) {
            throw bad(uri, "expected '" + start + "' at the start");
        }
        for (String name : uri.parameters().keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw bad(uri, "unknown parameter '" + name + "'; accepted: " + String.join(", ", PARAMETERS));
            }
        }
        String rest = uri.base().substring(start.length());
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        @Nullable String user = null;
        @Nullable String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String info = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = info.indexOf(':');
            if (colon < 0) {
                // redis://secret@host is how some clients write a password without a user.
                password = StoreUri.decode(info);
            } else {
                user = StoreUri.decode(info.substring(0, colon));
                password = StoreUri.decode(info.substring(colon + 1));
            }
        }
        if (authority.isEmpty()) {
            throw bad(uri, "no host:port");
        }
        List<HostAndPort> nodes = new ArrayList<>();
        int defaultPort = scheme.endsWith("sentinel") ? 26379 : 6379;
        for (String node : authority.split(",", -1)) {
            nodes.add(hostAndPort(uri, node, defaultPort));
        }
        RedisStoreBuilder builder = new RedisStoreBuilder();
        try {
            configure(builder, uri, nodes, path, user, password);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            if (message.startsWith("bad Redis store URI")) {
                throw e;
            }
            // The builder's setters and StoreUri's readers say what was wrong; add the URI and the forms once.
            String named = "bad store URI '" + uri.redacted() + "': ";
            throw bad(uri, message.startsWith(named) ? message.substring(named.length()) : message);
        }
        return builder;
    }

    private static void configure(
            RedisStoreBuilder builder,
            StoreUri uri,
            List<HostAndPort> nodes,
            String path,
            @Nullable String user,
            @Nullable String password) {
        String scheme = uri.scheme();
        if (scheme.equals("redis-cluster")) {
            if (!path.isEmpty()) {
                throw bad(uri, "a cluster has no database: remove '/" + path + "'");
            }
            builder.cluster(nodes);
        } else if (scheme.endsWith("sentinel")) {
            builder.sentinel(
                    uri.parameter("masterName")
                            .orElseThrow(() -> bad(
                                    uri,
                                    "masterName is missing: add ?masterName=<the name the sentinels monitor the "
                                            + "master under> (SENTINEL MASTERS lists them)")),
                    nodes);
            database(builder, uri, path);
            builder.sentinelCredentials(
                    uri.parameter("sentinelUser").orElse(null),
                    uri.parameter("sentinelPassword").orElse(null));
        } else {
            if (nodes.size() != 1) {
                throw bad(uri, "one host:port only; use redis-cluster:// for several nodes");
            }
            builder.standalone(nodes.get(0).getHost(), nodes.get(0).getPort());
            database(builder, uri, path);
        }
        builder.ssl(scheme.startsWith("rediss") || uri.booleanParameter("ssl").orElse(false));
        uri.intParameter("poolSize", 1).ifPresent(builder::poolSize);
        uri.durationParameter("timeout").ifPresent(builder::timeout);
        uri.parameter("keyPrefix").ifPresent(builder::keyPrefix);
        builder.credentials(
                uri.parameter("user").orElse(user), uri.parameter("password").orElse(password));
        tls(builder, uri);
        Optional<Integer> replicas = uri.intParameter("waitReplicas", 1);
        Optional<Duration> waitTimeout = uri.durationParameter("waitTimeout");
        if (waitTimeout.isPresent() && replicas.isEmpty()) {
            throw bad(uri, "waitTimeout needs waitReplicas");
        }
        replicas.ifPresent(n -> builder.waitForReplicas(n, waitTimeout.orElse(RedisStoreBuilder.DEFAULT_WAIT_TIMEOUT)));
    }

    private static void database(RedisStoreBuilder builder, StoreUri uri, String path) {
        if (!path.isEmpty()) {
            try {
                builder.database(Integer.parseInt(path));
            } catch (NumberFormatException e) {
                throw bad(uri, "the database after '/' must be a number, got '" + path + "'");
            }
        }
    }

    private static void tls(RedisStoreBuilder builder, StoreUri uri) {
        uri.parameter("caCert").ifPresent(file -> builder.caCert(Path.of(file)));
        uri.parameter("trustStore")
                .ifPresent(file -> builder.trustStore(
                        Path.of(file), uri.parameter("trustStorePassword").orElse(null)));
        uri.parameter("keyStore")
                .ifPresent(file -> builder.keyStore(
                        Path.of(file), uri.parameter("keyStorePassword").orElse(null)));
        Optional<String> certificate = uri.parameter("clientCert");
        Optional<String> key = uri.parameter("clientKey");
        if (certificate.isPresent() != key.isPresent()) {
            throw bad(uri, "mutual TLS needs both clientCert and clientKey (PEM files)");
        }
        if (certificate.isPresent() && key.isPresent()) {
            builder.clientCertificate(Path.of(certificate.get()), Path.of(key.get()));
        }
        uri.booleanParameter("verifyHostname").ifPresent(builder::verifyHostname);
    }

    private static HostAndPort hostAndPort(StoreUri uri, String node, int defaultPort) {
        int colon = node.lastIndexOf(':');
        String host = colon < 0 ? node : node.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw bad(uri, "empty host in '" + node + "'");
        }
        if (colon < 0) {
            return new HostAndPort(host, defaultPort);
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

    private static IllegalArgumentException bad(StoreUri uri, String what) {
        return new IllegalArgumentException(
                "bad Redis store URI '" + uri.redacted() + "': " + what + ". Expected " + FORMS);
    }
}
