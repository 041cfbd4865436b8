package io.github.kdedup.streams;

import io.github.kdedup.tck.TestServices;
import java.net.URI;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** Removes what a test wrote to the shared Redis, page by page (never {@code KEYS}, which blocks a busy server). */
final class TestRedis {

    private TestRedis() {}

    static void deleteKeys(String prefix) {
        if (prefix.length() < 8) {
            throw new IllegalArgumentException("refusing to delete the keys of the short prefix '" + prefix + "'");
        }
        String uri = TestServices.redisUri();
        int query = uri.indexOf('?');
        try (Jedis jedis = new Jedis(URI.create(query < 0 ? uri : uri.substring(0, query)), 10_000)) {
            ScanParams params = new ScanParams().match(prefix + ":*").count(10_000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, params);
                cursor = page.getCursor();
                List<String> keys = page.getResult();
                if (!keys.isEmpty()) {
                    jedis.unlink(keys.toArray(String[]::new));
                }
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }
}
