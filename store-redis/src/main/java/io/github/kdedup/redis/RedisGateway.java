package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStoreException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The few batched Redis operations the store's algorithm is written in, over one Jedis client
 * (standalone or cluster). Each operation is one pipelined exchange (one round trip per node) and
 * either answers for every key or throws an {@link IdempotencyStoreException} that names the store,
 * the operation and what to check. Thread-safe: each exchange borrows a connection per node.
 */
final class RedisGateway implements AutoCloseable {

    /**
     * The most keys one script call handles: a script blocks its server while it runs, and 1,000
     * keys take about a millisecond.
     */
    static final int KEYS_PER_SCRIPT = 1_000;

    private final UnifiedJedis client;
    private final @Nullable ClusterConnectionProvider clusterNodes;
    private final boolean cluster;
    private final RedisErrors errors;
    private final RedisServerProbe servers;
    private final @Nullable RedisDurability durability;

    RedisGateway(
            RedisConnector.Opened opened,
            RedisErrors errors,
            RedisServerProbe servers,
            @Nullable RedisDurability durability) {
        this.durability = durability;
        this.client = opened.client();
        this.clusterNodes = opened.cluster();
        this.cluster = opened.cluster() != null;
        this.errors = errors;
        this.servers = servers;
    }

    /**
     * Opens the client for an endpoint and probes its servers.
     *
     * @throws IdempotencyStoreException when a node cannot be reached or refuses the credentials
     */
    static RedisGateway open(RedisEndpoint endpoint) {
        RedisEndpoint.Sentinel sentinel = endpoint.sentinel();
        RedisErrors errors = new RedisErrors(
                endpoint.description(),
                endpoint.timeout(),
                sentinel == null
                        ? null
                        : "check masterName '" + sentinel.masterName() + "' (SENTINEL MASTERS lists the names), "
                                + "that the sentinels " + endpoint.nodes() + " are up and reachable, and "
                                + "sentinelUser/sentinelPassword (not shown) if the sentinels require a password"
                                // Jedis logs a sentinel's TLS failure and drops it: only the hint can say where to
                                // look.
                                + (endpoint.tls() == null
                                        ? ""
                                        : "; the sentinels get the master's TLS settings: check caCert/trustStore, "
                                                + "verifyHostname and the sentinels' tls-port"));
        RedisConnector.Opened opened;
        try {
            opened = RedisConnector.open(endpoint);
        } catch (RuntimeException e) {
            throw errors.translateConnect(e);
        }
        try {
            return new RedisGateway(
                    opened,
                    errors,
                    RedisServerProbe.probe(opened.client(), endpoint.description()),
                    endpoint.durability());
        } catch (RuntimeException e) {
            opened.client().close();
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

    /** One conditional write of {@link #setIfAbsent}: a key, its value and its time to live in ms. */
    record Write(String key, String value, long ttlMillis) {}

    /**
     * For each key, writes its value with a time to live where the key is absent, and returns what
     * was there. On Redis 7.0+ this is {@code SET key value NX PX ttl GET} per key, pipelined; on
     * older servers (no {@code NX} with {@code GET}) the {@code CLAIM} script does the same per hash
     * slot group. Either way one round trip per node.
     *
     * <p>The writes are made one at a time, each just before it is sent: Jedis flushes its output
     * buffer every 8 KB, so the server already executes the first commands while the client still
     * encodes the later ones. Building every key and value before the first command is sent would
     * give up that overlap of client and server work.
     *
     * @param size the number of writes, at least 1
     * @param writes the write at an index; called exactly once per index, in order
     * @return per key, null where the value was written, else the value found (and left alone)
     */
    List<@Nullable String> setIfAbsent(int size, IntFunction<Write> writes, String operation) {
        if (!servers.setNxGet()) {
            List<String> keys = new ArrayList<>(size);
            List<Write> all = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                Write write = writes.apply(i);
                all.add(write);
                keys.add(write.key());
            }
            List<Object> found = evalPerKey(
                    RedisScripts.Script.CLAIM,
                    keys,
                    List.of(),
                    i -> List.of(all.get(i).value(), Long.toString(all.get(i).ttlMillis())),
                    operation);
            List<@Nullable String> previous = new ArrayList<>(found.size());
            for (Object value : found) {
                previous.add(value == null ? null : value.toString());
            }
            return previous;
        }
        @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type: Java has no other way
        Response<String>[] replies = new Response[size];
        try (AbstractPipeline pipeline = pipeline()) {
            String firstKey = null;
            SetParams params = null;
            long paramsTtl = -1;
            for (int i = 0; i < size; i++) {
                Write write = writes.apply(i);
                if (firstKey == null) {
                    firstKey = write.key();
                }
                // One parameter object per time to live, not per key: Jedis reads it only while appending.
                if (params == null || paramsTtl != write.ttlMillis()) {
                    params = SetParams.setParams().nx().px(write.ttlMillis());
                    paramsTtl = write.ttlMillis();
                }
                replies[i] = pipeline.setGet(write.key(), write.value(), params);
            }
            List<NodeTrackingClusterPipeline.NodeWait> acknowledged =
                    RedisDurability.append(durability, pipeline, Objects.requireNonNull(firstKey, "no write"));
            pipeline.sync();
            RedisDurability.check(durability, acknowledged);
            List<@Nullable String> previous = new ArrayList<>(size);
            for (Response<String> reply : replies) {
                previous.add(reply.get());
            }
            return previous;
        } catch (RuntimeException e) {
            throw errors.translate(operation, e);
        }
    }

    /**
     * Runs a per-key script over many keys with as few calls as the keys allow: one call per group
     * of at most {@value #KEYS_PER_SCRIPT} keys of one hash slot (on a standalone server every key
     * shares the one "slot"), all pipelined. A script's {@code ARGV} is the shared arguments followed
     * by each key's arguments in key order, as {@link RedisScripts.Script} documents.
     *
     * @param shared the arguments every call starts with
     * @param argsOf the arguments of the key at an index
     * @return one answer per key, in key order
     */
    List<Object> evalPerKey(
            RedisScripts.Script script,
            List<String> keys,
            List<String> shared,
            IntFunction<List<String>> argsOf,
            String operation) {
        List<List<Integer>> groups = groups(keys);
        List<RedisScripts.Call> calls = new ArrayList<>(groups.size());
        for (List<Integer> group : groups) {
            List<String> callKeys = new ArrayList<>(group.size());
            List<String> args = new ArrayList<>(shared.size() + 3 * group.size());
            args.addAll(shared);
            for (int i : group) {
                callKeys.add(keys.get(i));
                args.addAll(argsOf.apply(i));
            }
            calls.add(new RedisScripts.Call(callKeys, args));
        }
        List<Object> answers = eval(script, calls, operation);
        Object[] perKey = new Object[keys.size()];
        for (int g = 0; g < groups.size(); g++) {
            List<?> answer = (List<?>) answers.get(g);
            List<Integer> group = groups.get(g);
            for (int j = 0; j < group.size(); j++) {
                perKey[group.get(j)] = answer.get(j);
            }
        }
        return Arrays.asList(perKey);
    }

    /** Indexes of keys grouped by hash slot (in a cluster) and cut to {@value #KEYS_PER_SCRIPT}. */
    private List<List<Integer>> groups(List<String> keys) {
        if (!cluster) {
            // One server: every key is in the one "slot", so no map and no boxing per key.
            List<List<Integer>> groups = new ArrayList<>(1 + keys.size() / KEYS_PER_SCRIPT);
            for (int from = 0; from < keys.size(); from += KEYS_PER_SCRIPT) {
                groups.add(new IndexRange(from, Math.min(keys.size(), from + KEYS_PER_SCRIPT)));
            }
            return groups;
        }
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            int slot = JedisClusterCRC16.getSlot(keys.get(i));
            bySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> groups = new ArrayList<>(bySlot.size());
        for (List<Integer> slot : bySlot.values()) {
            for (int from = 0; from < slot.size(); from += KEYS_PER_SCRIPT) {
                groups.add(slot.subList(from, Math.min(slot.size(), from + KEYS_PER_SCRIPT)));
            }
        }
        return groups;
    }

    /** The indexes [from, to) as a list, without a stored element per index. */
    private static final class IndexRange extends AbstractList<Integer> implements RandomAccess {
        private final int from;
        private final int size;

        IndexRange(int from, int to) {
            this.from = from;
            this.size = to - from;
        }

        @Override
        public Integer get(int index) {
            Objects.checkIndex(index, size);
            return from + index;
        }

        @Override
        public int size() {
            return size;
        }
    }

    /**
     * Runs a script once per call, pipelined, with the NOSCRIPT fallback of {@link RedisScripts}.
     *
     * @return one answer per call, in order
     */
    List<Object> eval(RedisScripts.Script script, List<RedisScripts.Call> calls, String operation) {
        try {
            return RedisScripts.run(this::pipeline, script, calls, durability);
        } catch (RuntimeException e) {
            throw errors.translate(operation, e);
        }
    }

    /**
     * Opens a pipeline: on a cluster one that knows the masters it wrote to, so that {@code WAIT}
     * reaches each of them (the client's own pipeline routes by key only).
     */
    private AbstractPipeline pipeline() {
        ClusterConnectionProvider nodes = clusterNodes;
        return nodes == null ? client.pipelined() : new NodeTrackingClusterPipeline(nodes);
    }

    /** Closes the client and its pools. */
    @Override
    public void close() {
        client.close();
    }
}
