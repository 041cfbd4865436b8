package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
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
    static List<Object> run(UnifiedJedis client, Script script, List<Call> calls) {
        Object[] answers = new Object[calls.size()];
        List<Integer> missing = send(client, script, calls, false, answers);
        if (!missing.isEmpty()) {
            List<Call> again = new ArrayList<>(missing.size());
            missing.forEach(j -> again.add(calls.get(j)));
            Object[] second = new Object[again.size()];
            send(client, script, again, true, second);
            for (int j = 0; j < missing.size(); j++) {
                answers[missing.get(j)] = second[j];
            }
        }
        return Arrays.asList(answers);
    }

    private static List<Integer> send(
            UnifiedJedis client, Script script, List<Call> calls, boolean full, Object[] answers) {
        List<Response<Object>> replies = new ArrayList<>(calls.size());
        try (AbstractPipeline pipeline = client.pipelined()) {
            for (Call call : calls) {
                replies.add(
                        full
                                ? pipeline.eval(script.text, call.keys(), call.args())
                                : pipeline.evalsha(script.sha, call.keys(), call.args()));
            }
            pipeline.sync();
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

    /** The scripts. */
    enum Script {

        /**
         * The same-origin reclaim: KEYS[1]; ARGV = in-progress prefix of the request's origin, the new
         * record, the lease in ms. Re-checks under atomicity what {@code SET NX GET} saw: absent now means
         * a fresh claim ({@code C}); still in progress with the same origin means a takeover ({@code R}
         * plus the replaced record); anything else is a duplicate of what is there now ({@code D}).
         */
        RECLAIM(
                """
            local cur = redis.call('GET', KEYS[1])
            if not cur then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              return {'C'}
            end
            if string.sub(cur, 1, string.len(ARGV[1])) == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              return {'R', cur}
            end
            return {'D', cur}
            """),

        /** KEYS[1]; ARGV = token, retention in ms. In progress under the token: becomes completed. */
        COMPLETE(
                fenced(
                        """
            f[2] = 'C'
            redis.call('SET', KEYS[1], table.concat(f, '|'), 'PX', ARGV[2])
            return 1
            """)),

        /** KEYS[1]; ARGV = token. In progress under the token: deleted. */
        RELEASE(fenced("""
            redis.call('DEL', KEYS[1])
            return 1
            """)),

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

        private static String fenced(String action) {
            return """
                local cur = redis.call('GET', KEYS[1])
                if not cur then return 0 end
                local f = {}
                local i = 1
                while true do
                  local j = string.find(cur, '|', i, true)
                  if not j then f[#f + 1] = string.sub(cur, i) break end
                  f[#f + 1] = string.sub(cur, i, j - 1)
                  i = j + 1
                end
                if f[1] ~= '1' or f[2] ~= 'I' or f[6] ~= ARGV[1] then return 0 end
                """
                    + action;
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
