package io.github.kdedup.examples.reliability;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.StoreUri;
import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import io.github.kdedup.kafka.DedupProcessor;
import io.github.kdedup.kafka.MicrometerDedupMetrics;
import io.github.kdedup.kafka.StoreUnavailablePolicy;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The child process of {@link SecretsTest}: with every logger at DEBUG (slf4j-simple writing to a
 * file), it opens stores whose URIs or data sources hold a password, on success and failure paths,
 * and prints to stdout everything a user could see: {@code toString}s, descriptions, whole exception
 * chains with stack traces, and every meter id with its tags. The parent then searches all of it for
 * the password.
 *
 * <p>Arguments: the password, the port of a Redis server with that password, the JDBC URL (without
 * password) of a PostgreSQL server with that password, a port where nothing listens.
 */
public final class SecretsScenarios {

    private static String password;
    private static int failures;

    private SecretsScenarios() {}

    public static void main(String[] args) {
        password = args[0];
        int redisPort = Integer.parseInt(args[1]);
        String pgUrl = args[2];
        int nothing = Integer.parseInt(args[3]);
        String redis = "redis://default:" + password + "@127.0.0.1:" + redisPort;
        String wrong = "wrong-" + password;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        // Success paths: what a store, a config and a URI print.
        try (IdempotencyStore store = IdempotencyStores.open(redis)) {
            show("redis store", store);
            process(store, registry, "redis");
        }
        try (IdempotencyStore store = IdempotencyStores.open(pgUrl + "&password=" + password)) {
            show("jdbc store", store);
            process(store, registry, "jdbc");
        }
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(pgUrl);
        dataSource.setPassword(password);
        try (IdempotencyStore store = JdbcIdempotencyStore.builder(dataSource).build()) {
            show("jdbc store on a DataSource", store);
        }
        for (String uri : List.of(
                redis,
                "rediss://default:" + password + "@127.0.0.1:" + redisPort,
                "redis-cluster://default:" + password + "@127.0.0.1:1,127.0.0.1:2",
                "redis://127.0.0.1:" + redisPort + "?password=" + password,
                pgUrl + "&password=" + password)) {
            show("uri", StoreUri.parse(uri));
            show("config", DedupConfig.builder().store(uri).namespace("n").build());
        }
        try (KafkaConsumer<String, String> consumer = consumer(redis)) {
            show("consumer with the interceptor", consumer);
        }

        // Failure paths: wrong passwords, unreachable hosts, TLS against a plain server, a non-cluster.
        expectFailure(
                "redis wrong password",
                () -> IdempotencyStores.open("redis://default:" + wrong + "@127.0.0.1:" + redisPort));
        expectFailure(
                "redis wrong password parameter",
                () -> IdempotencyStores.open("redis://127.0.0.1:" + redisPort + "?password=" + wrong));
        expectFailure(
                "redis unreachable",
                () -> IdempotencyStores.open("redis://:" + password + "@127.0.0.1:" + nothing + "?timeout=PT1S"));
        expectFailure(
                "rediss against plain",
                () -> IdempotencyStores.open(
                        "rediss://default:" + password + "@127.0.0.1:" + redisPort + "?timeout=PT1S"));
        expectFailure(
                "redis-cluster unreachable",
                () -> IdempotencyStores.open(
                        "redis-cluster://default:" + password + "@127.0.0.1:" + nothing + "?timeout=PT1S"));
        expectFailure(
                "redis-cluster against a standalone server",
                () -> IdempotencyStores.open(
                        "redis-cluster://default:" + password + "@127.0.0.1:" + redisPort + "?timeout=PT1S"));
        expectFailure(
                "jdbc wrong password",
                () -> IdempotencyStores.open(pgUrl + "&password=" + wrong + "&kdedupConnectionTimeout=PT2S"));
        expectFailure(
                "jdbc unreachable",
                () -> IdempotencyStores.open("jdbc:postgresql://127.0.0.1:" + nothing + "/test?user=postgres&password="
                        + password + "&kdedupConnectionTimeout=PT1S"));
        PGSimpleDataSource wrongSource = new PGSimpleDataSource();
        wrongSource.setUrl(pgUrl);
        wrongSource.setPassword(wrong);
        expectFailure("jdbc DataSource wrong password", () -> JdbcIdempotencyStore.builder(wrongSource)
                .build());
        expectFailure(
                "consumer with a wrong redis password",
                () -> consumer("redis://default:" + wrong + "@127.0.0.1:" + redisPort));
        expectFailure(
                "consumer with a wrong jdbc password",
                () -> consumer(pgUrl + "&password=" + wrong + "&kdedupConnectionTimeout=PT2S"));
        expectFailure("processor on a closed store", () -> {
            IdempotencyStore store = IdempotencyStores.open(redis);
            store.close();
            return process(store, registry, "closed");
        });

        // Every meter id, with all its tags.
        for (Meter meter : registry.getMeters()) {
            StringBuilder id = new StringBuilder("meter ").append(meter.getId().getName());
            for (Tag tag : meter.getId().getTags()) {
                id.append(' ').append(tag.getKey()).append('=').append(tag.getValue());
            }
            System.out.println(id);
        }
        System.out.println("meters " + registry.getMeters().size());
        System.out.println("failures " + failures);
    }

    private static Object process(IdempotencyStore store, SimpleMeterRegistry registry, String namespace) {
        DedupConfig config = DedupConfig.builder()
                .namespace(namespace)
                .metrics(MicrometerDedupMetrics.of(registry))
                .build();
        ConsumerRecord<String, String> record = new ConsumerRecord<>("secrets", 0, 0, null, "v");
        record.headers().add("event-id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        DedupProcessor processor = DedupProcessor.create(store, config);
        show("processor outcome", processor.process(record, r -> {}));
        DedupProcessor passing = DedupProcessor.create(
                store,
                config.toBuilder()
                        .onStoreUnavailable(StoreUnavailablePolicy.PASS_THROUGH)
                        .build());
        show("pass-through outcome", passing.process(record, r -> {}));
        return processor;
    }

    private static KafkaConsumer<String, String> consumer(String store) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "secrets");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
        p.put(DedupConfig.STORE, store);
        return new KafkaConsumer<>(p);
    }

    private static void show(String what, Object value) {
        System.out.println("== " + what + ": " + value);
    }

    private interface Attempt {
        Object run() throws Exception;
    }

    private static void expectFailure(String scenario, Attempt attempt) {
        System.out.println("== scenario " + scenario);
        Object result;
        try {
            result = attempt.run();
        } catch (Exception e) {
            failures++;
            System.out.println("failed as expected: " + e);
            e.printStackTrace(System.out);
            return;
        }
        System.out.println("UNEXPECTED SUCCESS: " + result);
        if (result instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // reported as a failure anyway
            }
        }
        System.exit(3);
    }
}
