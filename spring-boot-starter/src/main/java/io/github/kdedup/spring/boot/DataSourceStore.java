package io.github.kdedup.spring.boot;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The JDBC store on the application's own {@link DataSource} (no second pool); loaded only when
 * {@code kdedup.spring.data-source=true}, so kdedup-store-jdbc stays optional. Stateless.
 */
final class DataSourceStore {

    private DataSourceStore() {}

    static IdempotencyStore open(DataSource dataSource, @Nullable String table) {
        JdbcIdempotencyStore.Builder builder = JdbcIdempotencyStore.builder(dataSource);
        if (table != null) {
            try {
                builder.table(table);
            } catch (IllegalArgumentException e) {
                throw new KdedupConfigurationException(
                        KdedupSettings.TABLE,
                        e.getMessage() + ".",
                        "Use a plain SQL identifier, optionally schema-qualified.",
                        e);
            }
        }
        try {
            return builder.build();
        } catch (IdempotencyStoreException e) {
            throw new KdedupConfigurationException(
                    KdedupSettings.DATA_SOURCE,
                    "The application's DataSource does not answer: " + e.getMessage(),
                    "Start the database, or fix spring.datasource.*.",
                    e);
        }
    }
}
