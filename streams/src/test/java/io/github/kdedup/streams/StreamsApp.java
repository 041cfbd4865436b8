package io.github.kdedup.streams;

import io.github.kdedup.testkafka.TestKafka;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;

/**
 * A small Kafka Streams application on the test broker: {@code input -> processValues(kdedup) ->
 * [extra step] -> output}, String keys and values, short commit and session intervals so that tests
 * stay fast. A failing stream thread is replaced, as a production application would configure it.
 */
final class StreamsApp implements AutoCloseable {

    private final KafkaStreams streams;
    private final List<Throwable> failures;

    private StreamsApp(KafkaStreams streams, List<Throwable> failures) {
        this.streams = streams;
        this.failures = failures;
    }

    /** The system property that makes {@link #properties} claim at poll time; passed on to child JVMs. */
    static final String CLAIM_AT_POLL = "kdedup.test.claimAtPoll";

    static Properties properties(String applicationId, String guarantee) {
        return properties(applicationId, guarantee, TestKafka.bootstrapServers());
    }

    static Properties properties(String applicationId, String guarantee, String bootstrapServers) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "6000");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "500");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        if (Boolean.getBoolean(CLAIM_AT_POLL)) {
            // -Dkdedup.test.claimAtPoll=true runs every broker test with the poll-time claims
            StreamsDedup.claimAtPoll(p);
        }
        try {
            p.put(
                    StreamsConfig.STATE_DIR_CONFIG,
                    Files.createTempDirectory("kdedup-streams-").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return p;
    }

    static StreamsApp start(
            Properties properties,
            String input,
            String output,
            FixedKeyProcessorSupplier<String, String, String> dedup,
            Consumer<KStream<String, String>> after) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, String> deduplicated = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .processValues(dedup);
        after.accept(deduplicated);
        deduplicated.to(output, Produced.with(Serdes.String(), Serdes.String()));
        KafkaStreams streams = new KafkaStreams(builder.build(), properties);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        streams.setUncaughtExceptionHandler(e -> {
            failures.add(e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        StreamsApp app = new StreamsApp(streams, failures);
        app.awaitState(KafkaStreams.State.RUNNING, Duration.ofSeconds(60));
        return app;
    }

    static StreamsApp start(
            Properties properties,
            String input,
            String output,
            FixedKeyProcessorSupplier<String, String, String> dedup) {
        return start(properties, input, output, dedup, s -> {});
    }

    void awaitState(KafkaStreams.State state, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (streams.state() != state) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "the Streams application is " + streams.state() + ", not " + state + ", after " + within);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    KafkaStreams streams() {
        return streams;
    }

    /** Returns what failed stream threads threw, in order; each thread was replaced. */
    List<Throwable> failures() {
        return failures;
    }

    /** Closes and leaves the group at once, so that another instance takes the partitions without waiting for the session timeout. */
    @Override
    public void close() {
        streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(30)));
    }
}
