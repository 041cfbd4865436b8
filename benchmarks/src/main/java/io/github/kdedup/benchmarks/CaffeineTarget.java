package io.github.kdedup.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.ConcurrentMap;

/**
 * Caffeine's {@code asMap().putIfAbsent} per key, on a cache bounded like the memory store's with
 * its lease as the TTL. Not thread-safe.
 */
final class CaffeineTarget extends RawTarget {

    private Cache<String, Long> cache = newCache();

    CaffeineTarget(String id) {
        super("bench-" + id + ":");
    }

    private static Cache<String, Long> newCache() {
        return Caffeine.newBuilder()
                .maximumSize(ClaimBenchmark.MAX_KEYS_PER_ITERATION * 3L)
                .executor(Runnable::run)
                .expireAfterWrite(LEASE)
                .build();
    }

    @Override
    public int claim(String[] batch) {
        ConcurrentMap<String, Long> map = cache.asMap();
        Long expiresAt = System.nanoTime() + LEASE.toNanos();
        int won = 0;
        for (String key : batch) {
            if (map.putIfAbsent(key, expiresAt) == null) {
                won++;
            }
        }
        return won;
    }

    @Override
    public void preload(String[] keys) {
        for (String key : prepare(keys, 0, keys.length)) {
            cache.put(key, Long.MAX_VALUE);
        }
    }

    @Override
    public void clear() {
        cache = newCache();
    }

    @Override
    public void close() {
        cache.invalidateAll();
    }
}
