package io.github.kdedup.spring.boot;

import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import io.github.kdedup.spring.kafka.ContainerDedup;
import io.github.kdedup.spring.kafka.TransactionalDedup;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * {@link TransactionalDedup}, for {@code @Transactional} listeners that claim in their own database
 * transaction, when the store is on the application's DataSource ({@code
 * kdedup.spring.data-source=true}) and kdedup-store-jdbc and spring-jdbc are on the class path. It
 * shares the store's table (which the store bean creates) and core's settings.
 */
@AutoConfiguration(after = KdedupAutoConfiguration.class)
@ConditionalOnClass(
        name = {"io.github.kdedup.jdbc.TransactionalClaims", "org.springframework.jdbc.datasource.DataSourceUtils"})
@ConditionalOnProperty(name = KdedupSettings.DATA_SOURCE, havingValue = "true")
@ConditionalOnBean({DataSource.class, ContainerDedup.class})
public class KdedupTransactionalAutoConfiguration {

    /** Created by Spring. */
    public KdedupTransactionalAutoConfiguration() {}

    /**
     * Claims in the listener's transaction.
     *
     * @param dataSource the application's DataSource
     * @param dedup the container integration, whose settings are used
     * @param settings the settings, for the table
     * @return the claimer
     */
    @Bean
    @ConditionalOnMissingBean
    public TransactionalDedup kdedupTransactionalDedup(
            DataSource dataSource, ContainerDedup dedup, KdedupSettings settings) {
        String table = settings.table();
        return TransactionalDedup.create(
                dataSource, dedup.config(), table == null ? JdbcIdempotencyStore.DEFAULT_TABLE : table);
    }
}
