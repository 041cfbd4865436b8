package io.github.kdedup.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.kafka.KeyExtractor;
import io.github.kdedup.kafka.MicrometerDedupMetrics;
import io.github.kdedup.memory.MemoryIdempotencyStore;
import io.github.kdedup.spring.kafka.ContainerDedup;
import io.github.kdedup.spring.kafka.PollCapture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.listener.CompositeRecordInterceptor;
import org.springframework.kafka.listener.RecordInterceptor;

@DisplayName("The auto-configuration")
class KdedupAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    KafkaAutoConfiguration.class, KdedupAutoConfiguration.class, KdedupHealthAutoConfiguration.class));

    @Nested
    @DisplayName("store bean")
    class StoreBean {

        @Test
        @DisplayName("is opened from kdedup.store and closed with the context")
        void shouldOpenTheStoreFromThePropertyAndCloseItWithTheContext() {
            IdempotencyStore[] kept = new IdempotencyStore[1];
            runner.withPropertyValues("kdedup.store=memory:").run(context -> {
                assertThat(context).hasNotFailed().hasSingleBean(IdempotencyStore.class);
                kept[0] = context.getBean(IdempotencyStore.class);
                assertThat(kept[0].description()).contains("memory");
                assertThat(kept[0].find("ns", "k")).isEmpty();
            });
            assertThatThrownBy(() -> kept[0].find("ns", "k")).isInstanceOf(IdempotencyStoreException.class);
        }

        @Test
        @DisplayName("is the application's own IdempotencyStore when it has one; kdedup.store is then not needed")
        void shouldLetTheApplicationsStoreWin() {
            MemoryIdempotencyStore own = MemoryIdempotencyStore.create();
            runner.withBean("myStore", IdempotencyStore.class, () -> own).run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(IdempotencyStore.class)).isSameAs(own);
                assertThat(context.getBean(ContainerDedup.class).store()).isSameAs(own);
            });
            own.close();
        }
    }

    @Nested
    @DisplayName("container integration")
    class Integration {

        @Test
        @SuppressWarnings("unchecked")
        @DisplayName("equips Boot's listener container factory and its consumer factory")
        void shouldEquipBootsContainerFactory() {
            runner.withPropertyValues("kdedup.store=memory:").run(context -> {
                ConcurrentKafkaListenerContainerFactory<?, ?> factory =
                        context.getBean(ConcurrentKafkaListenerContainerFactory.class);
                assertThat(factory.getRecordInterceptor()).isNotNull();
                assertThat(factory.getBatchInterceptor()).isNotNull();
                assertThat(factory.getContainerProperties().getConsumerRebalanceListener())
                        .isNotNull();
                Map<String, Object> consumer = factory.getConsumerFactory().getConfigurationProperties();
                assertThat(consumer.get(ContainerDedup.CONFIG_KEY)).isSameAs(context.getBean(ContainerDedup.class));
                assertThat((List<Object>) consumer.get("interceptor.classes")).contains(PollCapture.class);
            });
        }

        @Test
        @DisplayName("keeps the application's own RecordInterceptor, after its own")
        void shouldKeepTheApplicationsRecordInterceptor() {
            RecordInterceptor<Object, Object> own = (record, consumer) -> record;
            runner.withPropertyValues("kdedup.store=memory:")
                    .withBean(RecordInterceptor.class, () -> own)
                    .run(context -> assertThat(context.getBean(ConcurrentKafkaListenerContainerFactory.class)
                                    .getRecordInterceptor())
                            .isInstanceOf(CompositeRecordInterceptor.class));
        }

        @Test
        @DisplayName("leaves factories alone that kdedup.spring.container-factories does not name")
        void shouldLeaveUnnamedFactoriesAlone() {
            runner.withPropertyValues("kdedup.store=memory:", "kdedup.spring.container-factories=billingFactory")
                    .run(context -> assertThat(context.getBean(ConcurrentKafkaListenerContainerFactory.class)
                                    .getRecordInterceptor())
                            .isNull());
        }

        @Test
        @DisplayName("uses the application's KeyExtractor bean instead of kdedup.key")
        void shouldUseTheApplicationsKeyExtractor() {
            KeyExtractor own = record -> "own";
            runner.withPropertyValues("kdedup.store=memory:", "kdedup.key=record-key")
                    .withBean(KeyExtractor.class, () -> own)
                    .run(context -> assertThat(context.getBean(ContainerDedup.class)
                                    .config()
                                    .keyExtractor())
                            .isSameAs(own));
        }

        @Test
        @DisplayName("binds core's settings with Boot's relaxed names")
        void shouldBindCoreSettings() {
            runner.withPropertyValues(
                            "kdedup.store=memory:",
                            "kdedup.lease=PT30S",
                            "kdedup.retention=P1D",
                            "kdedup.key.hash-long-keys=true",
                            "kdedup.on-store-unavailable=pass-through")
                    .run(context -> {
                        var config = context.getBean(ContainerDedup.class).config();
                        assertThat(config.lease()).isEqualTo(Duration.ofSeconds(30));
                        assertThat(config.retention()).isEqualTo(Duration.ofDays(1));
                        assertThat(config.hashLongKeys()).isTrue();
                        assertThat(config.onStoreUnavailable().name()).isEqualTo("PASS_THROUGH");
                    });
        }

        @Test
        @DisplayName("records meters in the application's MeterRegistry")
        void shouldUseTheApplicationsMeterRegistry() {
            runner.withPropertyValues("kdedup.store=memory:")
                    .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                    .run(context -> assertThat(context.getBean(ContainerDedup.class)
                                    .config()
                                    .metrics())
                            .isInstanceOf(MicrometerDedupMetrics.class));
        }
    }

    @Nested
    @DisplayName("health")
    class HealthIndicatorTest {

        @Test
        @DisplayName("is UP while the store answers and DOWN once it does not")
        void shouldReportTheStoresHealth() {
            MemoryIdempotencyStore own = MemoryIdempotencyStore.create();
            runner.withBean(IdempotencyStore.class, () -> own).run(context -> {
                HealthIndicator health = context.getBean("kdedupHealthIndicator", HealthIndicator.class);
                Health up = health.health(true);
                assertThat(up.getStatus()).isEqualTo(Status.UP);
                assertThat(up.getDetails()).containsKey("store");
                own.close();
                assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
            });
        }

        @Test
        @DisplayName("can be switched off with management.health.kdedup.enabled=false")
        void shouldBeSwitchedOff() {
            runner.withPropertyValues("kdedup.store=memory:", "management.health.kdedup.enabled=false")
                    .run(context -> assertThat(context).doesNotHaveBean("kdedupHealthIndicator"));
        }
    }

    @Nested
    @DisplayName("bad input fails the start with an analysis naming the property and the fix")
    class BadInput {

        @Test
        @DisplayName("the failure analyzer is registered with Spring Boot")
        void shouldRegisterTheAnalyzer() {
            // Analyzers that need constructor arguments are left out; kdedup's needs none.
            assertThat(SpringFactoriesLoader.forDefaultResourceLocation()
                            .load(
                                    FailureAnalyzer.class,
                                    null,
                                    SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> {})))
                    .anyMatch(a -> a instanceof KdedupFailureAnalyzer);
        }

        @Test
        @DisplayName("a missing kdedup.store")
        void shouldExplainAMissingStore() {
            runner.run(context -> assertAnalysis(context, "kdedup.store", "kdedup.store=redis://"));
        }

        @Test
        @DisplayName("an unknown scheme")
        void shouldExplainAnUnknownScheme() {
            runner.withPropertyValues("kdedup.store=mongodb://localhost")
                    .run(context -> assertAnalysis(context, "kdedup.store", "scheme"));
        }

        @Test
        @DisplayName("a store that does not answer at start-up")
        void shouldExplainAnUnreachableStore() {
            runner.withPropertyValues("kdedup.store=redis://127.0.0.1:1?timeout=PT1S")
                    .run(context -> assertAnalysis(context, "kdedup.store", "reachable"));
        }

        @Test
        @DisplayName("a bad duration")
        void shouldExplainABadDuration() {
            runner.withPropertyValues("kdedup.store=memory:", "kdedup.lease=5 minutes")
                    .run(context -> assertAnalysis(context, "kdedup.lease", "kdedup.lease"));
        }

        @Test
        @DisplayName("an unknown kdedup.spring property")
        void shouldExplainAnUnknownSpringProperty() {
            runner.withPropertyValues("kdedup.store=memory:", "kdedup.spring.enable=true")
                    .run(context -> assertAnalysis(context, "kdedup.spring.enable", "kdedup.spring.enabled"));
        }

        private void assertAnalysis(AssertableApplicationContext context, String property, String action) {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new KdedupFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis)
                    .as("analysis of %s", context.getStartupFailure())
                    .isNotNull();
            assertThat(analysis.getDescription()).contains("'" + property + "'");
            assertThat(analysis.getAction()).contains(action);
        }
    }
}
