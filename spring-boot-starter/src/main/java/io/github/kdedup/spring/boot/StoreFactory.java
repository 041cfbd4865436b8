package io.github.kdedup.spring.boot;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.StoreUri;
import io.github.kdedup.kafka.DedupConfig;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Opens the store bean from {@code kdedup.store} or on the application's {@link DataSource}, and
 * proves it answers before the application starts: a store that cannot be used fails the start with
 * a {@link KdedupConfigurationException} naming the property and the fix. Stateless.
 */
final class StoreFactory {

    /** The namespace of the start-up probe, which reads one key and writes nothing. */
    static final String PROBE_NAMESPACE = "kdedup-probe";

    private StoreFactory() {}

    static IdempotencyStore open(KdedupSettings settings, @Nullable DataSource dataSource) {
        IdempotencyStore store = settings.dataSource() ? onDataSource(settings, dataSource) : fromUri(settings);
        try {
            probe(store);
        } catch (IdempotencyStoreException e) {
            store.close();
            String property = settings.dataSource() ? KdedupSettings.DATA_SOURCE : DedupConfig.STORE;
            throw new KdedupConfigurationException(
                    property,
                    "The store " + store.description() + " does not answer: " + e.getMessage(),
                    "Start the store, or point " + property + " at a reachable one; kdedup checks it at start-up "
                            + "so that the first poll does not fail instead.",
                    e);
        }
        return store;
    }

    /** Reads one key: proves the store answers, without writing anything. */
    static void probe(IdempotencyStore store) {
        store.find(PROBE_NAMESPACE, "probe");
    }

    private static IdempotencyStore fromUri(KdedupSettings settings) {
        String uri = settings.store();
        if (uri == null) {
            throw new KdedupConfigurationException(
                    DedupConfig.STORE,
                    "No store is configured, so kdedup cannot remember which events were processed.",
                    "Set kdedup.store in application.yml, for example kdedup.store=redis://localhost:6379 "
                            + "(also memory:, rediss://, redis-cluster://, jdbc:postgresql://, jdbc:mariadb://); or set "
                            + KdedupSettings.DATA_SOURCE + "=true to use the application's DataSource; or define "
                            + "your own IdempotencyStore bean.",
                    null);
        }
        try {
            return IdempotencyStores.open(uri);
        } catch (IllegalArgumentException e) {
            throw new KdedupConfigurationException(
                    DedupConfig.STORE,
                    "'" + StoreUri.redact(uri) + "' cannot be opened: " + e.getMessage(),
                    "Use a URI of a scheme listed above (memory:, redis://host:6379, "
                            + "jdbc:postgresql://host/db, ...) and add the store module it names.",
                    e);
        } catch (IdempotencyStoreException e) {
            throw new KdedupConfigurationException(
                    DedupConfig.STORE,
                    "The store at '" + StoreUri.redact(uri) + "' does not answer: " + e.getMessage(),
                    "Start the store, or point kdedup.store at a reachable one.",
                    e);
        }
    }

    private static IdempotencyStore onDataSource(KdedupSettings settings, @Nullable DataSource dataSource) {
        if (dataSource == null) {
            throw new KdedupConfigurationException(
                    KdedupSettings.DATA_SOURCE,
                    "It is true, but the application has no DataSource bean.",
                    "Configure spring.datasource.* (and a JDBC driver), or set kdedup.store instead.",
                    null);
        }
        try {
            Class.forName("io.github.kdedup.jdbc.JdbcIdempotencyStore", false, StoreFactory.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new KdedupConfigurationException(
                    KdedupSettings.DATA_SOURCE,
                    "It is true, but kdedup's JDBC store is not on the class path.",
                    "Add the dependency io.github.kdedup:kdedup-store-jdbc.",
                    e);
        }
        return DataSourceStore.open(dataSource, settings.table());
    }
}
