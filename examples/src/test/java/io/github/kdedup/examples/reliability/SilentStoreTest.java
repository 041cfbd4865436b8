package io.github.kdedup.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.jdbc.JdbcStoreProvider;
import io.github.kdedup.kafka.DedupConsumerInterceptor;
import io.github.kdedup.kafka.PollAbortedError;
import io.github.kdedup.tck.TcpProxy;
import io.github.kdedup.tck.TestServices;
import io.github.kdedup.testkafka.TestKafka;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 5, through the Kafka integration: PostgreSQL stops answering with its connections
 * left open (a {@link TcpProxy} turned into a black hole). The store URI sets no timeout at all, so
 * the JDBC store's default bound applies, and then the interceptor's store-unavailable policy
 * ({@code fail}, the default): the poll throws {@link PollAbortedError} and delivers nothing, instead
 * of blocking the consumer for ever.
 */
@DisplayName("A database that stops answering under an interceptor consumer")
class SilentStoreTest {

    private static final int EVENTS = 100;

    /** The JDBC store's default bound: connection timeout plus the socket timeout, which defaults to it. */
    private static final Duration BOUND = JdbcStoreProvider.DEFAULT_CONNECTION_TIMEOUT.multipliedBy(2);

    /** Scheduling noise on a busy machine; the bound itself is what is checked. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    private static final Pattern HOST_PORT = Pattern.compile("^(jdbc:[a-z]+://)([^/:?]+):(\\d+)(.*)$");

    private static TcpProxy proxy;
    private static String proxiedUrl;
    private static final String TABLE =
            "kdedup_silent_" + UUID.randomUUID().toString().replace("-", "");

    @BeforeAll
    static void start() {
        Matcher m = HOST_PORT.matcher(TestServices.postgresUrl());
        assertThat(m.matches()).as("a host and port in the PostgreSQL URL").isTrue();
        proxy = TcpProxy.start(m.group(2), Integer.parseInt(m.group(3)));
        proxiedUrl = m.group(1) + "127.0.0.1:" + proxy.port() + m.group(4);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        try (Connection c = DriverManager.getConnection(TestServices.postgresUrl());
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
        }
    }

    @Test
    @DisplayName("the poll that meets the silent database throws PollAbortedError within the store's default "
            + "bound and delivers nothing")
    void shouldAbortThePollWithinTheDefaultBound() throws Exception {
        String topic = "silent-" + UUID.randomUUID();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.of((short) 1))))
                    .all()
                    .get();
        }
        new EventProducer(TestKafka.bootstrapServers(), topic, 11).produce("evt", EVENTS, 0.0);

        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of(topic));
            int delivered = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (delivered == 0) {
                assertThat(System.nanoTime())
                        .as("a first poll delivered in time")
                        .isLessThan(deadline);
                delivered += consumer.poll(Duration.ofMillis(200)).count();
                consumer.commitSync();
            }

            proxy.blackHole();
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    while (true) {
                        long start = System.nanoTime();
                        ConsumerRecords<String, String> records;
                        try {
                            records = consumer.poll(Duration.ofMillis(200));
                        } catch (PollAbortedError e) {
                            Duration took = Duration.ofNanos(System.nanoTime() - start);
                            assertThat(took)
                                    .as("time until the poll was aborted")
                                    .isLessThan(BOUND.plus(SLACK));
                            return;
                        }
                        assertThat(records.count())
                                .as("records delivered while the database is silent")
                                .isZero();
                    }
                });
            } finally {
                proxy.restore();
            }
        }
    }

    private static KafkaConsumer<String, String> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "silent-" + UUID.randomUUID());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, DedupConsumerInterceptor.class.getName());
        // No timeout of any kind in the URI: the store's defaults must bound every call.
        props.put("kdedup.store", proxiedUrl + "&kdedupTable=" + TABLE);
        return new KafkaConsumer<>(props);
    }
}
