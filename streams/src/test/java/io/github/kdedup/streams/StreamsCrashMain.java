package io.github.kdedup.streams;

import io.github.kdedup.kafka.DedupConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The exactly-once application that {@link StreamsCrashTest} runs in a child JVM and kills with
 * SIGKILL: {@code input -> kdedup -> a step that takes a millisecond per record -> output}, so that a
 * Prints {@code RUNNING} once it runs and {@code F} for every record kdedup forwarded. With {@code
 * stuckAt=VALUE} it blocks for ever on that value after printing {@code STUCK}: its transaction is then
 * open, with the output of the records before it written, when the test kills it. Arguments: {@code
 * name=value} pairs bootstrap, input, output, app, store, stuckAt (optional).
 */
public final class StreamsCrashMain {

    private StreamsCrashMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        var properties = StreamsApp.properties(a.get("app"), StreamsConfig.EXACTLY_ONCE_V2, a.get("bootstrap"));
        properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "300");
        // the killed instance's open transaction is aborted by the broker after this long
        properties.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), "5000");
        DedupConfig config = DedupConfig.builder().store(a.get("store")).build();
        CountDownLatch stop = new CountDownLatch(1);
        StreamsApp app = StreamsApp.start(
                properties,
                a.get("input"),
                a.get("output"),
                StreamsDedup.dropDuplicates(config),
                s -> s.peek((k, v) -> {
                    System.out.println("F");
                    if (v.equals(a.get("stuckAt"))) {
                        System.out.println("STUCK");
                        System.out.flush();
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }));
        System.out.println("RUNNING");
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
        app.streams().close();
        assert app.streams().state() != KafkaStreams.State.RUNNING;
    }
}
