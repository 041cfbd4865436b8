package io.github.kdedup.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * An exactly-once application killed with SIGKILL in the middle of a transaction (in a child JVM, as
 * the reliability suite does), restarted: each event exactly once on the output, none lost. Redis is
 * the store, shared by both processes.
 */
@DisplayName("An exactly-once Streams application killed with SIGKILL")
@SuppressWarnings("try") // a child JVM is held by try-with-resources; its close() may be interrupted
class StreamsCrashTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    @AfterAll
    static void cleanUp() {
        TestRedis.deleteKeys("kc" + RUN);
    }

    @Test
    @DisplayName("should give each event exactly once and lose none when killed mid-transaction and restarted")
    void shouldGiveEachEventOnceAfterSigkill() throws Exception {
        String input = TestKafka.createTopic("orders", 2);
        String output = TestKafka.createTopic("unique", 1);
        String app = TestKafka.uniqueName("crash-app");
        String store = TestServices.redisUri() + "?keyPrefix=kc" + RUN;
        List<String> ids = TestKafka.ids("c", 800);
        TestKafka.publish(input, ids);
        TestKafka.publish(input, ids.subList(100, 300)); // republished copies
        List<String> common = List.of(
                "bootstrap=" + TestKafka.bootstrapServers(),
                "input=" + input,
                "output=" + output,
                "app=" + app,
                "store=" + store);

        List<String> first = new ArrayList<>(common);
        first.add("stuckAt=value-c-500");
        try (Child child = Child.start("first", first)) {
            child.await("STUCK", Duration.ofSeconds(90));
            Thread.sleep(500); // the producer sends what the open transaction holds
            child.kill();
        }
        try (Child child = Child.start("second", common)) {
            List<ConsumerRecord<String, String>> committed =
                    TestKafka.readCommitted(output, ids.size(), Duration.ofSeconds(3), Duration.ofSeconds(120));
            child.requireAlive();

            Map<String, Long> counts =
                    committed.stream().collect(Collectors.groupingBy(ConsumerRecord::value, Collectors.counting()));
            assertThat(counts.keySet())
                    .as("every event on the output, none lost")
                    .containsExactlyInAnyOrderElementsOf(
                            ids.stream().map(id -> "value-" + id).toList());
            assertThat(counts.values()).as("each event exactly once").allMatch(c -> c == 1);
            assertThat(readUncommittedCount(output))
                    .as("the killed instance had written output in a transaction that was then aborted")
                    .isGreaterThan(committed.size());
        }
    }

    private static int readUncommittedCount(String topic) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, TestKafka.uniqueName("uncommitted"));
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        int count = 0;
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            // Read until nothing new came for 2 s (the group join alone can take seconds on a loaded machine).
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long lastNew = System.nanoTime();
            while (System.nanoTime() < deadline
                    && (count == 0
                            || System.nanoTime() - lastNew
                                    < Duration.ofSeconds(2).toNanos())) {
                int polled = consumer.poll(Duration.ofMillis(200)).count();
                if (polled > 0) {
                    count += polled;
                    lastNew = System.nanoTime();
                }
            }
        }
        return count;
    }

    /** A {@link StreamsCrashMain} in a child JVM on the test class path; killed with SIGKILL on close. */
    private static final class Child implements AutoCloseable {
        private final String name;
        private final Process process;
        private final Path stderr;
        private final List<String> lines = new ArrayList<>();
        private final AtomicInteger forwarded = new AtomicInteger();

        private Child(String name, Process process, Path stderr) {
            this.name = name;
            this.process = process;
            this.stderr = stderr;
            Thread reader = new Thread(this::read, "child-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(String name, List<String> arguments) throws IOException {
            Path stderr = Files.createTempFile("kdedup-streams-child-" + name + "-", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-D" + StreamsApp.CLAIM_AT_POLL + "=" + Boolean.getBoolean(StreamsApp.CLAIM_AT_POLL),
                    "-cp",
                    System.getProperty("java.class.path"),
                    StreamsCrashMain.class.getName()));
            command.addAll(arguments);
            return new Child(
                    name,
                    new ProcessBuilder(command).redirectError(stderr.toFile()).start(),
                    stderr);
        }

        private void read() {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("F")) {
                        forwarded.incrementAndGet();
                    } else {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }
                }
            } catch (IOException e) {
                // the process died
            }
        }

        void await(String line, Duration within) throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            while (true) {
                synchronized (lines) {
                    if (lines.contains(line)) {
                        return;
                    }
                }
                requireAlive();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + " did not print " + line + " in " + within + " (forwarded "
                            + forwarded.get() + "); its stderr:\n" + stderrTail());
                }
                Thread.sleep(20);
            }
        }

        void requireAlive() {
            if (!process.isAlive()) {
                throw new AssertionError(
                        name + " exited with " + process.exitValue() + "; its stderr:\n" + stderrTail());
            }
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " survived SIGKILL for 30 s");
            }
        }

        String stderrTail() {
            try {
                String all = Files.readString(stderr, StandardCharsets.UTF_8);
                return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            kill();
            Files.deleteIfExists(stderr);
        }
    }
}
