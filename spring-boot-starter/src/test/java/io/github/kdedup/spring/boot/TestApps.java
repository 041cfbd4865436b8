package io.github.kdedup.spring.boot;

import io.github.kdedup.testkafka.TestKafka;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;

/** Spring Boot applications with {@code @KafkaListener}s for the tests, and how to start them. */
final class TestApps {

    private TestApps() {}

    /** An application with a record listener on {@code test.topic}, group {@code test.group}. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class RecordApp {
        @Bean
        RecordListener recordListener(Ledger ledger) {
            return new RecordListener(ledger);
        }
    }

    /** An application with a batch listener ({@code spring.kafka.listener.type=batch}). */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class BatchApp {
        @Bean
        BatchListener batchListener(Ledger ledger) {
            return new BatchListener(ledger);
        }
    }

    static final class RecordListener {
        private final Ledger ledger;

        RecordListener(Ledger ledger) {
            this.ledger = ledger;
        }

        @KafkaListener(topics = "${test.topic}", groupId = "${test.group}")
        void listen(ConsumerRecord<String, String> record) {
            ledger.handle(record);
        }
    }

    static final class BatchListener {
        private final Ledger ledger;
        final List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();

        BatchListener(Ledger ledger) {
            this.ledger = ledger;
        }

        @KafkaListener(topics = "${test.topic}", groupId = "${test.group}")
        void listen(List<ConsumerRecord<String, String>> records) {
            batchSizes.add(records.size());
            for (ConsumerRecord<String, String> record : records) {
                ledger.handle(record);
            }
        }
    }

    /**
     * Starts an application against the shared broker; {@code beans} are registered as singletons
     * before the context refreshes (the ledger, and a store when the test owns one).
     */
    static ConfigurableApplicationContext start(
            Class<?> app, Ledger ledger, @Nullable Object store, String topic, String group, String... properties) {
        List<String> props = new ArrayList<>(List.of(
                "spring.kafka.bootstrap-servers=" + TestKafka.bootstrapServers(),
                "spring.kafka.consumer.auto-offset-reset=earliest",
                "spring.kafka.consumer.properties.session.timeout.ms=6000",
                "spring.kafka.consumer.properties.heartbeat.interval.ms=500",
                "spring.kafka.listener.poll-timeout=200ms",
                "test.topic=" + topic,
                "test.group=" + group));
        props.addAll(List.of(properties));
        if (props.stream().noneMatch(p -> p.startsWith("spring.datasource."))) {
            // spring-boot-jdbc is on the test class path for the DataSource tests only
            props.add(
                    "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration");
        }
        return new SpringApplicationBuilder(app)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .bannerMode(org.springframework.boot.Banner.Mode.OFF)
                .initializers(context -> {
                    context.getBeanFactory().registerSingleton("ledger", ledger);
                    context.getBeanFactory().registerSingleton("meterRegistry", new SimpleMeterRegistry());
                    if (store != null) {
                        context.getBeanFactory().registerSingleton("testStore", store);
                    }
                })
                .properties(props.toArray(String[]::new))
                .run();
    }

    static double count(ConfigurableApplicationContext context, String meter, String tag, String value) {
        var counter =
                context.getBean(MeterRegistry.class).find(meter).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }
}
