package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStoreException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.NoSuchElementException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisClusterException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Turns a Jedis failure into the store's {@link IdempotencyStoreException}, saying what happened and
 * what to check. Immutable and thread-safe.
 *
 * <p>The failure is classified by its type: the Jedis exception class, the {@link java.io.IOException}
 * in its causes (refused, timed out, unknown host, TLS), or, for the generic {@link
 * JedisDataException}, the Redis error code: the first word of an error reply ({@code OOM}, {@code
 * READONLY}), which is how the protocol types its errors. Message text is never searched. No message
 * holds a password: Jedis never puts one in its messages, and the store is named by its redacted URI.
 */
final class RedisErrors {

    private final String description;
    private final Duration timeout;
    private final @Nullable String sentinelHint;

    /**
     * Creates the translator.
     *
     * @param description the store's name, with the URI redacted
     * @param timeout the timeout, for messages
     * @param sentinelHint what to check when the sentinels do not name a master, or null without
     *     Sentinel
     */
    RedisErrors(String description, Duration timeout, @Nullable String sentinelHint) {
        this.description = description;
        this.timeout = timeout;
        this.sentinelHint = sentinelHint;
    }

    String description() {
        return description;
    }

    IdempotencyStoreException translate(String operation, RuntimeException e) {
        if (e instanceof IdempotencyStoreException store) {
            return store;
        }
        return new IdempotencyStoreException(description, operation, detail(e), e);
    }

    /**
     * Translates a failure to create the client. Behind Sentinel only the sentinels are asked then,
     * so the message says what to check about them.
     */
    IdempotencyStoreException translateConnect(RuntimeException e) {
        String detail = detail(e);
        return new IdempotencyStoreException(
                description, "open", sentinelHint == null ? detail : detail + "; " + sentinelHint, e);
    }

    private String detail(RuntimeException e) {
        String message = firstLine(e.getMessage() == null ? e.getClass().getName() : e.getMessage());
        if (e instanceof RedisDurability.Shortfall) {
            return message;
        }
        if (e instanceof JedisAccessControlException) {
            return "authentication failed (" + message
                    + "): check the user and password of the store URI (not shown here) and the server's ACL";
        }
        if (e instanceof JedisClusterException || e instanceof JedisClusterOperationException) {
            return "the cluster could not answer (" + message
                    + "): check that every master is up and all slots are covered (CLUSTER INFO)";
        }
        if (e instanceof JedisDataException) {
            return switch (errorCode(message)) {
                case "OOM" ->
                    "Redis is out of memory and refuses writes (" + message
                            + "): raise maxmemory, shorten the retention, or give kdedup a dedicated instance";
                case "READONLY" ->
                    "the server is a read-only replica (" + message
                            + "): point the URI at the master, or wait for the failover to finish";
                case "NOREPLICAS" -> "too few replicas acknowledged the write (" + message + ")";
                default -> message;
            };
        }
        if (has(e, SSLException.class)) {
            return "the TLS handshake failed (" + tlsCause(e)
                    + "): check that the server speaks TLS on this port, that the CA (caCert or trustStore) "
                    + "signed the server's certificate, that the certificate names the host of the URI (or set "
                    + "verifyHostname=false), and the client certificate if the server asks for one";
        }
        if (has(e, SocketTimeoutException.class)) {
            return "timed out after " + timeout.toMillis() + " ms: check that the server is not overloaded or "
                    + "paused, the network, or raise the timeout parameter";
        }
        if (has(e, ConnectException.class)) {
            return "connection refused: check that Redis runs at the host and port of the URI and that "
                    + "nothing blocks the port (" + message + ")";
        }
        if (has(e, UnknownHostException.class)) {
            return "unknown host: check the host name in the URI (" + message + ")";
        }
        if (has(e, NoSuchElementException.class)) {
            return "no connection became free within " + timeout.toMillis() + " ms (" + message
                    + "): the server is slow or unreachable, or raise poolSize";
        }
        if (e instanceof JedisConnectionException) {
            return "lost the connection (" + message + "): check that the server is up and reachable";
        }
        if (e instanceof IllegalStateException) {
            // Jedis's cluster pipeline reports a node that failed mid-sync this way.
            return "a node did not answer the pipeline (" + message + "): check that every master is up";
        }
        return message;
    }

    /** The Redis error code: the first word of an error reply, such as {@code OOM} or {@code READONLY}. */
    static String errorCode(String reply) {
        int space = reply.indexOf(' ');
        return space < 0 ? reply : reply.substring(0, space);
    }

    private static String tlsCause(Throwable e) {
        Throwable deepest = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                deepest = t;
            }
        }
        return firstLine(String.valueOf(deepest.getMessage()));
    }

    static boolean has(@Nullable Throwable e, Class<? extends Throwable> type) {
        // Jedis keeps the failure of each resolved address as a suppressed exception.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (has(suppressed, type)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
