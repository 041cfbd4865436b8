package io.github.kdedup.spring.boot;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupListener;
import io.github.kdedup.kafka.KeyExtractor;
import io.github.kdedup.kafka.MicrometerDedupMetrics;
import io.github.kdedup.spring.kafka.ContainerDedup;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;

/**
 * Makes every {@code @KafkaListener} container of a Spring Boot application drop duplicate events,
 * from {@code kdedup.*} properties.
 *
 * <ul>
 *   <li>{@code kdedupStore}: the {@link IdempotencyStore} opened from {@code kdedup.store} (or built on
 *       the application's {@code DataSource} with {@code kdedup.spring.data-source=true}), checked at
 *       start-up and closed with the context. An application's own {@code IdempotencyStore} bean
 *       replaces it (and stays the application's to close).
 *   <li>{@code kdedupContainerDedup}: the {@link ContainerDedup} with core's settings from {@code
 *       kdedup.*}; the application's {@link KeyExtractor} and {@link DedupListener} beans replace
 *       {@code kdedup.key} and {@code kdedup.listener}; meters go to the application's {@link
 *       MeterRegistry} when it has one.
 *   <li>A bean post-processor that applies it to every listener container factory bean (or those
 *       named in {@code kdedup.spring.container-factories}), Boot's own and the application's.
 *   <li>{@link KdedupHealthAutoConfiguration}: the store's health under Actuator's {@code
 *       /actuator/health}.
 * </ul>
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        },
        beforeName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnClass({ContainerDedup.class, AbstractKafkaListenerContainerFactory.class})
public class KdedupAutoConfiguration {

    /** Created by Spring. */
    public KdedupAutoConfiguration() {}

    /**
     * Reads the {@code kdedup.*} properties.
     *
     * @param environment the environment
     * @return the settings
     */
    @Bean
    @ConditionalOnMissingBean
    public KdedupSettings kdedupSettings(Environment environment) {
        return KdedupSettings.from(environment);
    }

    /**
     * Opens the store.
     *
     * @param settings the settings
     * @param dataSource the application's DataSource, used only with {@code kdedup.spring.data-source=true}
     * @return the open store, closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public IdempotencyStore kdedupStore(KdedupSettings settings, ObjectProvider<DataSource> dataSource) {
        return StoreFactory.open(settings, settings.dataSource() ? dataSource.getIfUnique() : null);
    }

    /**
     * The container integration.
     *
     * @param store the store
     * @param settings the settings
     * @param keyExtractor the application's key extractor, if it has exactly one
     * @param listener the application's duplicate listener, if it has exactly one
     * @param meterRegistry the application's meter registry, if it has exactly one
     * @return the integration
     */
    @Bean
    @ConditionalOnMissingBean
    public ContainerDedup kdedupContainerDedup(
            IdempotencyStore store,
            KdedupSettings settings,
            ObjectProvider<KeyExtractor> keyExtractor,
            ObjectProvider<DedupListener> listener,
            ObjectProvider<MeterRegistryHolder> meterRegistry) {
        DedupConfig config = settings.toConfig(b -> {
            keyExtractor.ifUnique(b::keyExtractor);
            listener.ifUnique(b::listener);
            meterRegistry.ifAvailable(h -> h.applyTo(b));
            return b;
        });
        return ContainerDedup.create(store, config, settings.enabled());
    }

    /**
     * Applies the integration to the listener container factories.
     *
     * @param dedup the integration, looked up when the first factory is initialised
     * @param settings the settings, looked up likewise
     * @return the post-processor
     */
    @Bean
    public static ContainerFactoryPostProcessor kdedupContainerFactoryPostProcessor(
            ObjectProvider<ContainerDedup> dedup, ObjectProvider<KdedupSettings> settings) {
        return new ContainerFactoryPostProcessor(dedup, settings);
    }

    /** Meters in the application's registry, only when Micrometer is on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnBean(MeterRegistry.class)
        MeterRegistryHolder kdedupMeterRegistry(MeterRegistry registry) {
            return new MeterRegistryHolder(registry);
        }
    }

    /**
     * Keeps Micrometer types out of the outer class's method signatures, so that the class loads
     * without Micrometer on the class path.
     */
    static final class MeterRegistryHolder {
        private final Object registry;

        MeterRegistryHolder(Object registry) {
            this.registry = registry;
        }

        void applyTo(DedupConfig.Builder builder) {
            builder.metrics(MicrometerDedupMetrics.of((MeterRegistry) registry));
        }
    }
}
