package io.github.kdedup.spring.boot;

import io.github.kdedup.IdempotencyStore;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The store's health under Actuator's {@code /actuator/health} (component {@code kdedup}), when Boot's
 * health support is on the class path and {@code management.health.kdedup.enabled} is not false.
 */
@AutoConfiguration(after = KdedupAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(IdempotencyStore.class)
@ConditionalOnEnabledHealthIndicator("kdedup")
public class KdedupHealthAutoConfiguration {

    /** Created by Spring. */
    public KdedupHealthAutoConfiguration() {}

    /**
     * The store's health.
     *
     * @param store the store
     * @return the indicator
     */
    @Bean
    @ConditionalOnMissingBean(name = "kdedupHealthIndicator")
    public HealthIndicator kdedupHealthIndicator(IdempotencyStore store) {
        return new StoreHealthIndicator(store);
    }
}
