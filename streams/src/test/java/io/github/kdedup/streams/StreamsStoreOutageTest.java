package io.github.kdedup.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.tck.TcpProxy;
import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A store that goes down under a running exactly-once application, with the default {@code
 * on-store-unavailable=fail}: Redis behind a TCP proxy that the test cuts and restores.
 */
@DisplayName("A store outage under a running Streams application")
class StreamsStoreOutageTest {

    private static final String PREFIX = "ko" + UUID.randomUUID().toString().substring(0, 8);

    @AfterAll
    static void cleanUp() {
        TestRedis.deleteKeys(PREFIX);
    }

    @Test
    @DisplayName(
            "should fail the stream thread while the store is down, forward nothing meanwhile, and give each event once after it is back")
    void shouldFailThreadWhileStoreDownAndRecover() throws Exception {
        URI redis = URI.create(TestServices.redisUri());
        String input = TestKafka.createTopic("orders", 2);
        String output = TestKafka.createTopic("unique", 1);
        List<String> ids = TestKafka.ids("o", 60);
        try (TcpProxy proxy = TcpProxy.start(redis.getHost(), redis.getPort())) {
            String store = "redis://127.0.0.1:" + proxy.port() + "?keyPrefix=" + PREFIX + "&timeout=PT1S";
            try (StreamsApp app = StreamsApp.start(
                    StreamsApp.properties(TestKafka.uniqueName("app"), StreamsConfig.EXACTLY_ONCE_V2),
                    input,
                    output,
                    StreamsDedup.dropDuplicates(
                            DedupConfig.builder().store(store).build()))) {
                TestKafka.publish(input, ids.subList(0, 30));
                assertThat(TestKafka.readCommitted(output, 30, Duration.ofMillis(500), Duration.ofSeconds(60)))
                        .hasSize(30);

                proxy.cut();
                TestKafka.publish(input, ids.subList(30, 60));
                TestKafka.publish(input, ids.subList(0, 10)); // republished during the outage
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (app.failures().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(app.failures()).as("the stream thread failed").isNotEmpty();
                assertThat(app.failures().get(0))
                        .hasStackTraceContaining("kdedup could not deduplicate")
                        .hasStackTraceContaining("REPLACE_THREAD");
                assertThat(TestKafka.readCommitted(output, 30, Duration.ofSeconds(1), Duration.ofSeconds(30)))
                        .as("nothing forwarded while the store is down")
                        .hasSize(30);

                proxy.restore();
                List<ConsumerRecord<String, String>> out =
                        TestKafka.readCommitted(output, 60, Duration.ofSeconds(2), Duration.ofSeconds(90));
                assertThat(out.stream().map(ConsumerRecord::value).toList())
                        .containsExactlyInAnyOrderElementsOf(
                                ids.stream().map(id -> "value-" + id).toList());
            }
        }
    }
}
