package io.github.kdedup.benchmarks;

import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * Jedis: one pipelined {@code SET key value NX PX lease} per key, one round trip per batch, with a
 * value of the size the Redis store writes. Not thread-safe.
 */
final class RedisRawTarget extends RawTarget {

    /** A record of the size the Redis store writes. */
    static final String RAW_VALUE = "1|I|bench|0|1234567|AAAAAAAAAAAAAAAAAAAAAA|" + OWNER + "|";

    private final String prefix;
    private final Jedis jedis;
    private final SetParams claimParams = SetParams.setParams().nx().px(LEASE.toMillis());

    RedisRawTarget(String id) {
        super(Services.redisPrefix(id) + ":");
        this.prefix = Services.redisPrefix(id);
        this.jedis = Services.jedis();
    }

    @Override
    public int claim(String[] batch) {
        List<Response<String>> replies = new ArrayList<>(batch.length);
        try (Pipeline pipeline = jedis.pipelined()) {
            for (String key : batch) {
                replies.add(pipeline.set(key, RAW_VALUE, claimParams));
            }
            pipeline.sync();
        }
        int won = 0;
        for (Response<String> reply : replies) {
            if (reply.get() != null) {
                won++;
            }
        }
        return won;
    }

    @Override
    public void preload(String[] keys) {
        SetParams completed = SetParams.setParams().px(RETENTION.toMillis());
        try (Pipeline pipeline = jedis.pipelined()) {
            for (String key : prepare(keys, 0, keys.length)) {
                pipeline.set(key, RAW_VALUE, completed);
            }
            pipeline.sync();
        }
    }

    @Override
    public void clear() {
        Services.deleteRedisKeys(prefix);
    }

    @Override
    public void close() {
        clear();
        jedis.close();
    }
}
