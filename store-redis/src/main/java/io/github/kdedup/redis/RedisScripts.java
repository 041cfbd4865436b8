package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Lua scripts of the Redis store, and the one place that runs them: by {@code EVALSHA}, falling
 * back to {@code EVAL} for the calls a server answered {@code NOSCRIPT} (its script cache was emptied
 * by a restart, a failover or {@code SCRIPT FLUSH}: the script did not run, so sending it again is
 * safe). Each call touches keys of one hash slot, so it runs on one node in a cluster, and Redis runs
 * it atomically. Stateless and thread-safe.
 */
final class RedisScripts {

    private RedisScripts() {}

    /** One script call: its keys and its arguments. */
    record Call(List<String> keys, List<String> args) {}

    /**
     * Runs one script for each call in one pipeline (one round trip per node), then sends again by
     * {@code EVAL} only the calls answered {@code NOSCRIPT}.
     *
     * @return the answers, in call order
     * @throws RuntimeException the Jedis failure of the pipeline or of any call
     */
    static List<Object> run(
            Supplier<AbstractPipeline> pipelines,
            Script script,
            List<Call> calls,
            @Nullable RedisDurability durability) {
        Object[] answers = new Object[calls.size()];
        List<Integer> missing = send(pipelines, script, calls, false, answers, durability);
        if (!missing.isEmpty()) {
            List<Call> again = new ArrayList<>(missing.size());
            missing.forEach(j -> again.add(calls.get(j)));
            Object[] second = new Object[again.size()];
            send(pipelines, script, again, true, second, durability);
            for (int j = 0; j < missing.size(); j++) {
                answers[missing.get(j)] = second[j];
            }
        }
        return Arrays.asList(answers);
    }

    private static List<Integer> send(
            Supplier<AbstractPipeline> pipelines,
            Script script,
            List<Call> calls,
            boolean full,
            Object[] answers,
            @Nullable RedisDurability durability) {
        List<Response<Object>> replies = new ArrayList<>(calls.size());
        try (AbstractPipeline pipeline = pipelines.get()) {
            for (Call call : calls) {
                replies.add(
                        full
                                ? pipeline.eval(script.text, call.keys(), call.args())
                                : pipeline.evalsha(script.sha, call.keys(), call.args()));
            }
            List<NodeTrackingClusterPipeline.NodeWait> acknowledged = script == Script.FIND
                    ? null
                    : RedisDurability.append(
                            durability, pipeline, calls.get(0).keys().get(0));
            pipeline.sync();
            RedisDurability.check(durability, acknowledged);
        }
        List<Integer> missing = new ArrayList<>();
        for (int j = 0; j < replies.size(); j++) {
            try {
                answers[j] = replies.get(j).get();
            } catch (JedisNoScriptException e) {
                if (full) {
                    throw e;
                }
                missing.add(j);
            }
        }
        return missing;
    }

    /**
     * The scripts. Each but {@code FIND} takes a group of keys of one hash slot ({@code KEYS}) and
     * answers per key, in order, so that a batch costs one script call per slot (per batch on a
     * standalone server) instead of one per key.
     */
    enum Script {

        /**
         * The claim where {@code SET NX GET} is missing (Redis before 7.0). ARGV per key: the new
         * record, the lease in ms. Per key: false where the record was written, else the record
         * found and left alone: what {@code SET key value NX PX lease GET} answers.
         */
        CLAIM(
                """
                local out = {}
                for i = 1, #KEYS do
                  local cur = redis.call('GET', KEYS[i])
                  if cur then
                    out[i] = cur
                  else
                    redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'PX', ARGV[2 * i])
                    out[i] = false
                  end
                end
                return out
                """),

        /**
         * The same-origin reclaim. ARGV per key: the origin as stored, the new record, the lease in
         * ms. Re-checks under atomicity what the claim saw: absent now means a fresh claim ({@code
         * C}); still in progress with the same origin (whatever its token) means a takeover ({@code
         * R} followed by the replaced record); anything else is a duplicate of what is there now
         * ({@code D} followed by it).
         */
        RECLAIM(
                """
                local out = {}
                for i = 1, #KEYS do
                  local origin, value, px = ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]
                  local cur = redis.call('GET', KEYS[i])
                  if not cur then
                    redis.call('SET', KEYS[i], value, 'PX', px)
                    out[i] = 'C'
                  else
                    local bar = string.sub(cur, 1, 4) == '2|I|' and string.find(cur, '|', 5, true)
                    if bar and string.sub(cur, bar + 1, bar + #origin) == origin then
                      redis.call('SET', KEYS[i], value, 'PX', px)
                      out[i] = 'R' .. cur
                    else
                      out[i] = 'D' .. cur
                    end
                  end
                end
                return out
                """),

        /**
         * ARGV: the retention in ms, then per key the fence {@code 2|I|token|}. Per key: 1 where the
         * record was in progress under the token and is now completed, else 0 (nothing changed).
         */
        COMPLETE(
                """
                local out = {}
                for i = 1, #KEYS do
                  local fence = ARGV[i + 1]
                  local cur = redis.call('GET', KEYS[i])
                  if cur and string.sub(cur, 1, #fence) == fence then
                    redis.call('SET', KEYS[i], '2|C|' .. string.sub(cur, 5), 'PX', ARGV[1])
                    out[i] = 1
                  else
                    out[i] = 0
                  end
                end
                return out
                """),

        /** ARGV per key: the fence {@code 2|I|token|}. Per key: 1 where the record was deleted, else 0. */
        RELEASE(
                """
                local out = {}
                for i = 1, #KEYS do
                  local fence = ARGV[i]
                  local cur = redis.call('GET', KEYS[i])
                  if cur and string.sub(cur, 1, #fence) == fence then
                    redis.call('DEL', KEYS[i])
                    out[i] = 1
                  else
                    out[i] = 0
                  end
                end
                return out
                """),

        /** KEYS[1]. The value, its PTTL and the server's TIME (seconds, microseconds), or nil. */
        FIND(
                """
                local v = redis.call('GET', KEYS[1])
                if not v then return nil end
                local t = redis.call('TIME')
                return {v, redis.call('PTTL', KEYS[1]), t[1], t[2]}
                """);

        final String text;
        final String sha;

        Script(String text) {
            this.text = text;
            this.sha = sha1(text);
        }

        private static String sha1(String text) {
            try {
                return HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has SHA-1 (" + IdempotencyKeys.class + ")", e);
            }
        }
    }
}
