package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * The few batched Redis operations the store's algorithm is written in, over one Jedis client
 * (standalone or cluster). Each operation is one pipelined exchange (one round trip per node) and
 * either answers for every key or throws an {@link IdempotencyStoreException} that names the store,
 * the operation and what to check. Thread-safe: each exchange borrows a connection per node.
 */
final class RedisGateway implements AutoCloseable {

    private final UnifiedJedis client;
    private final RedisErrors errors;
    private final RedisServerProbe servers;

    RedisGateway(UnifiedJedis client, RedisErrors errors, RedisServerProbe servers) {
        this.client = client;
        this.errors = errors;
        this.servers = servers;
    }

    /**
     * Opens the client for an endpoint and probes its servers.
     *
     * @throws IdempotencyStoreException when a node cannot be reached or refuses the credentials
     */
    static RedisGateway open(RedisEndpoint endpoint) {
        RedisErrors errors = new RedisErrors(endpoint.description(), endpoint.timeout());
        UnifiedJedis client;
        try {
            client = RedisConnector.open(endpoint);
        } catch (RuntimeException e) {
            throw errors.translate("open", e);
        }
        try {
            return new RedisGateway(client, errors, RedisServerProbe.probe(client, endpoint.description()));
        } catch (RuntimeException e) {
            client.close();
            throw errors.translate("open", e);
        }
    }

    /** Returns the store's name in messages: its redacted URI. */
    String description() {
        return errors.description();
    }

    /** Returns the eviction warning of {@link RedisServerProbe}, if any. */
    Optional<String> evictionWarning() {
        return Optional.ofNullable(servers.evictionWarning());
    }

    /**
     * For each key, writes its value with a time to live where the key is absent, and returns what
     * was there: {@code SET key value NX PX ttl GET} for every key, pipelined.
     *
     * @param ttlMillis one time to live per key, in milliseconds
     * @return per key, null where the value was written, else the value found (and left alone)
     */
    List<@Nullable String> setIfAbsent(List<String> keys, List<String> values, long[] ttlMillis, String operation) {
        List<Response<String>> replies = new ArrayList<>(keys.size());
        try (AbstractPipeline pipeline = client.pipelined()) {
            for (int i = 0; i < keys.size(); i++) {
                replies.add(pipeline.setGet(
                        keys.get(i), values.get(i), SetParams.setParams().nx().px(ttlMillis[i])));
            }
            pipeline.sync();
            List<@Nullable String> previous = new ArrayList<>(keys.size());
            for (Response<String> reply : replies) {
                previous.add(reply.get());
            }
            return previous;
        } catch (RuntimeException e) {
            throw errors.translate(operation, e);
        }
    }

    /**
     * Runs a script once per call, pipelined, with the NOSCRIPT fallback of {@link RedisScripts}.
     *
     * @return one answer per call, in order
     */
    List<Object> eval(RedisScripts.Script script, List<RedisScripts.Call> calls, String operation) {
        try {
            return RedisScripts.run(client, script, calls);
        } catch (RuntimeException e) {
            throw errors.translate(operation, e);
        }
    }

    /** Closes the client and its pools. */
    @Override
    public void close() {
        client.close();
    }
}
