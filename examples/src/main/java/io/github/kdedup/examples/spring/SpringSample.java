package io.github.kdedup.examples.spring;

import io.github.kdedup.ClaimResult;
import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.kafka.DedupListener;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * A Spring Boot application with one {@code @KafkaListener} and the kdedup starter: no kdedup code,
 * only {@code kdedup.store}. It publishes 10 orders, then publishes 3 of them again (an outbox relay
 * that sent twice), and shows that the listener bills each order once while the copies are dropped
 * and explained.
 *
 * <pre>
 * mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -pl examples -am \
 *   &amp;&amp; java -cp "examples/target/classes:$(cat examples/target/classpath.txt)" io.github.kdedup.examples.spring.SpringSample
 * </pre>
 *
 * Arguments (optional): {@code --spring.kafka.bootstrap-servers=host:9092} for an existing cluster
 * (otherwise Kafka runs inside the JVM), {@code --kdedup.store=redis://localhost:6379} (default
 * {@code memory:}), any other {@code kdedup.*} or Spring property.
 */
public final class SpringSample {

    /** The orders the sample publishes; the first three are published twice. */
    static final int ORDERS = 10;

    static final int REPUBLISHED = 3;

    private SpringSample() {}

    /**
     * Runs the sample.
     *
     * @param args Spring properties as {@code --name=value}
     */
    public static void main(String[] args) throws Exception {
        Result result = run(System.out, args);
        System.exit(result.billed().size() == ORDERS && result.dropped().get() == REPUBLISHED ? 0 : 1);
    }

    /**
     * What the run saw.
     *
     * @param billed per order id, how often the listener billed it
     * @param dropped how many copies kdedup dropped
     */
    record Result(Map<String, AtomicInteger> billed, AtomicInteger dropped) {}

    /** Runs the sample, printing to {@code out}; for the test. */
    @SuppressWarnings("try") // the application context is held open by try-with-resources, not otherwise used
    static Result run(PrintStream out, String... args) throws Exception {
        String bootstrap = argument(args, "--spring.kafka.bootstrap-servers=");
        EmbeddedKafka broker = null;
        if (bootstrap == null) {
            out.println("starting Kafka inside this JVM ...");
            broker = EmbeddedKafka.start();
            bootstrap = broker.bootstrapServers();
        }
        try {
            String topic = "spring-sample-orders-" + Long.toHexString(System.nanoTime());
            publish(out, bootstrap, topic);
            Result result = new Result(new ConcurrentHashMap<>(), new AtomicInteger());
            CountDownLatch done = new CountDownLatch(ORDERS + REPUBLISHED);
            List<String> properties = new ArrayList<>(List.of(
                    "--spring.kafka.bootstrap-servers=" + bootstrap,
                    "--spring.kafka.consumer.auto-offset-reset=earliest",
                    "--sample.topic=" + topic,
                    "--kdedup.store=memory:"));
            properties.addAll(List.of(args));
            try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
                    .web(WebApplicationType.NONE)
                    .logStartupInfo(false)
                    .initializers(c -> {
                        c.getBeanFactory().registerSingleton("sampleOut", out);
                        c.getBeanFactory().registerSingleton("sampleResult", result);
                        c.getBeanFactory().registerSingleton("sampleDone", done);
                    })
                    .run(properties.toArray(String[]::new))) {
                if (!done.await(60, TimeUnit.SECONDS)) {
                    out.println("timed out waiting for the orders");
                }
            }
            out.printf(
                    Locale.ROOT,
                    "%n%d records consumed: %d orders billed once each, %d copies dropped by kdedup%n",
                    ORDERS + REPUBLISHED,
                    result.billed().size(),
                    result.dropped().get());
            return result;
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private static void publish(PrintStream out, String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Set.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < ORDERS + REPUBLISHED; i++) {
                String id = "order-" + (i % ORDERS);
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, id, "{\"order\":\"" + id + "\"}");
                record.headers().add("event-id", id.getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
        }
        out.printf(
                Locale.ROOT,
                "published %d orders to %s, then %d of them again (an outbox relay that sent twice)%n",
                ORDERS,
                topic,
                REPUBLISHED);
    }

    private static @Nullable String argument(String[] args, String prefix) {
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return arg.substring(prefix.length());
            }
        }
        return null;
    }

    /** The application: one listener, and a DedupListener bean that explains each dropped copy. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        Billing billing(PrintStream sampleOut, Result sampleResult, CountDownLatch sampleDone) {
            return new Billing(sampleOut, sampleResult, sampleDone);
        }

        /** kdedup calls it for every copy it drops, with both origins. */
        @Bean
        DedupListener explainDuplicates(PrintStream sampleOut, Result sampleResult, CountDownLatch sampleDone) {
            return (ConsumerRecord<?, ?> record, ClaimResult result) -> {
                sampleOut.printf(
                        Locale.ROOT,
                        "  dropped %s at %s-%d@%d: %s copy of %s%n",
                        result.request().key(),
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        result.cause()
                                .map(c -> c.name().toLowerCase(Locale.ROOT))
                                .orElse("a"),
                        result.existing().map(e -> e.origin().toString()).orElse("?"));
                sampleResult.dropped().incrementAndGet();
                sampleDone.countDown();
            };
        }
    }

    /** The business listener: no kdedup code at all. */
    static final class Billing {
        private final PrintStream out;
        private final Result result;
        private final CountDownLatch done;

        Billing(PrintStream out, Result result, CountDownLatch done) {
            this.out = out;
            this.result = result;
            this.done = done;
        }

        @KafkaListener(topics = "${sample.topic}", groupId = "billing")
        void bill(ConsumerRecord<String, String> record) {
            int times = result.billed()
                    .computeIfAbsent(record.key(), k -> new AtomicInteger())
                    .incrementAndGet();
            out.printf(
                    Locale.ROOT,
                    "billed %s (%s-%d@%d)%s%n",
                    record.key(),
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    times > 1 ? "  <-- billed " + times + " times!" : "");
            done.countDown();
        }
    }
}
