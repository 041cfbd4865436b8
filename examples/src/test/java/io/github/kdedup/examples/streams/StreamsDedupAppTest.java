package io.github.kdedup.examples.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.tck.TestServices;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

@DisplayName("The Kafka Streams sample application")
class StreamsDedupAppTest {

    private static final String PREFIX = "kse" + UUID.randomUUID().toString().substring(0, 8);

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
        try (RedisClient redis = RedisClient.create(TestServices.redisUri())) {
            for (String key : redis.keys(PREFIX + ":*")) {
                redis.del(key);
            }
        }
    }

    @Test
    @DisplayName(
            "should put each order exactly once on the output topic although a third were republished (memory store)")
    void shouldForwardEachOrderOnceWithMemory() {
        StreamsDedupApp.Result result = StreamsDedupApp.run(kafka.bootstrapServers(), "memory:", 200);

        assertThat(result.republished()).isPositive();
        assertThat(result.output()).isEqualTo(200);
        assertThat(result.distinct()).isEqualTo(200);
    }

    @Test
    @DisplayName("should put each order exactly once on the output topic with the Redis store")
    void shouldForwardEachOrderOnceWithRedis() {
        StreamsDedupApp.Result result =
                StreamsDedupApp.run(kafka.bootstrapServers(), TestServices.redisUri() + "?keyPrefix=" + PREFIX, 200);

        assertThat(result.output()).isEqualTo(200);
        assertThat(result.distinct()).isEqualTo(200);
    }
}
