package io.github.kdedup.examples.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

@DisplayName("The Kafka Streams sample application")
class StreamsDedupAppTest {

    private static final String PREFIX = "kse" + UUID.randomUUID().toString().substring(0, 8);

    @AfterAll
    static void stopKafka() {
        // page by page: KEYS would block a shared Redis that holds millions of keys
        try (Jedis jedis = new Jedis(URI.create(TestServices.redisUri()), 10_000)) {
            ScanParams params = new ScanParams().match(PREFIX + ":*").count(10_000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, params);
                cursor = page.getCursor();
                if (!page.getResult().isEmpty()) {
                    jedis.unlink(page.getResult().toArray(String[]::new));
                }
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }

    @Test
    @DisplayName(
            "should put each order exactly once on the output topic although a third were republished (memory store)")
    void shouldForwardEachOrderOnceWithMemory() {
        StreamsDedupApp.Result result = StreamsDedupApp.run(TestKafka.bootstrapServers(), "memory:", 200);

        assertThat(result.republished()).isPositive();
        assertThat(result.output()).isEqualTo(200);
        assertThat(result.distinct()).isEqualTo(200);
    }

    @Test
    @DisplayName("should put each order exactly once on the output topic with the Redis store")
    void shouldForwardEachOrderOnceWithRedis() {
        StreamsDedupApp.Result result = StreamsDedupApp.run(
                TestKafka.bootstrapServers(), TestServices.redisUri() + "?keyPrefix=" + PREFIX, 200);

        assertThat(result.output()).isEqualTo(200);
        assertThat(result.distinct()).isEqualTo(200);
    }
}
