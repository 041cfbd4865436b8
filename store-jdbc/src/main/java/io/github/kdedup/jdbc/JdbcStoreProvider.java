package io.github.kdedup.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStoreProvider;
import io.github.kdedup.StoreUri;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Opens {@link JdbcIdempotencyStore}s, each with its own HikariCP pool, for {@code
 * jdbc:postgresql://}, {@code jdbc:mariadb://} and {@code jdbc:mysql://} URLs (the last through the
 * MariaDB driver and dialect). Thread-safe.
 *
 * <p>The URL is the driver's own URL plus these parameters, which are removed before the URL
 * reaches the driver:
 *
 * <ul>
 *   <li>{@code kdedupTable}: the table, default {@value JdbcIdempotencyStore#DEFAULT_TABLE};
 *   <li>{@code kdedupPoolSize}: the pool's maximum size, default {@value #DEFAULT_POOL_SIZE};
 *   <li>{@code kdedupCreateTable}: {@code true} (default) or {@code false};
 *   <li>{@code kdedupConnectionTimeout}: how long an operation waits for a working connection
 *       (HikariCP's {@code connectionTimeout}, which also bounds the check of an idle one), ISO-8601
 *       or milliseconds, default {@code PT5S}, at least 250 ms;
 *   <li>{@code kdedupSocketTimeout}: how long the driver waits for any answer of the database
 *       before it gives the connection up (the driver's {@code socketTimeout}), ISO-8601 or
 *       milliseconds, at least one second; default: the connection timeout;
 *   <li>{@code kdedupPurgeEvery}: run the purge at this delay, ISO-8601 (default: never).
 * </ul>
 *
 * <p><b>Every operation is bounded in time.</b> During a database outage, whether the server is
 * down or stops answering with its connections left open, each operation fails with an {@link
 * IdempotencyStoreException} after at most {@code kdedupConnectionTimeout + kdedupSocketTimeout}:
 * 10 s by default. A statement that legitimately runs longer than the socket timeout fails too, so
 * raise it for very large purges or long lock waits. A driver {@code socketTimeout} written in the
 * URL (in the driver's unit: seconds for PostgreSQL, milliseconds for MariaDB) is used as given
 * instead, and then bounds each statement.
 *
 * <p>{@code user} and {@code password} are taken out of the URL too and handed to the pool, so the
 * password never sits in a URL that a driver or the pool might print. Every other parameter is
 * passed to the driver unchanged.
 */
public final class JdbcStoreProvider implements IdempotencyStoreProvider {

    /** The default pool size: a store borrows one connection per operation. */
    public static final int DEFAULT_POOL_SIZE = 4;

    /** The default connection timeout, and so the default socket timeout. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private static final String TABLE = "kdedupTable";
    private static final String POOL_SIZE = "kdedupPoolSize";
    private static final String CREATE_TABLE = "kdedupCreateTable";
    private static final String CONNECTION_TIMEOUT = "kdedupConnectionTimeout";
    private static final String SOCKET_TIMEOUT = "kdedupSocketTimeout";
    private static final String PURGE_EVERY = "kdedupPurgeEvery";
    private static final String DRIVER_SOCKET_TIMEOUT = "socketTimeout";
    private static final Set<String> OWN =
            Set.of(TABLE, POOL_SIZE, CREATE_TABLE, CONNECTION_TIMEOUT, SOCKET_TIMEOUT, PURGE_EVERY, "user", "password");

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public JdbcStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("jdbc:postgresql", "jdbc:mariadb", "jdbc:mysql");
    }

    @Override
    public IdempotencyStore open(StoreUri uri) {
        for (String name : uri.parameters().keySet()) {
            if (name.toLowerCase(Locale.ROOT).startsWith("kdedup") && !OWN.contains(name)) {
                throw new IllegalArgumentException("unknown parameter '" + name + "' in " + uri.redacted()
                        + "; the JDBC store accepts " + String.join(", ", new TreeSet<>(OWN)));
            }
        }
        boolean postgres = uri.scheme().equals("jdbc:postgresql");
        String table = TableName.requireValid(uri.parameter(TABLE).orElse(JdbcIdempotencyStore.DEFAULT_TABLE));
        int poolSize = uri.intParameter(POOL_SIZE, 1).orElse(DEFAULT_POOL_SIZE);
        boolean createTable = uri.booleanParameter(CREATE_TABLE).orElse(true);
        Duration connectionTimeout = uri.durationParameter(CONNECTION_TIMEOUT).orElse(DEFAULT_CONNECTION_TIMEOUT);
        if (connectionTimeout.toMillis() < 250) {
            throw new IllegalArgumentException(
                    CONNECTION_TIMEOUT + " must be at least 250 ms (HikariCP's minimum), got " + connectionTimeout);
        }
        Duration socketTimeout = uri.durationParameter(SOCKET_TIMEOUT).orElse(connectionTimeout);
        if (socketTimeout.toMillis() < 1000) {
            throw new IllegalArgumentException(SOCKET_TIMEOUT + " must be at least 1 s, got " + socketTimeout);
        }
        if (uri.parameter(SOCKET_TIMEOUT).isPresent()
                && uri.parameter(DRIVER_SOCKET_TIMEOUT).isPresent()) {
            throw new IllegalArgumentException("give either " + SOCKET_TIMEOUT + " or the driver's "
                    + DRIVER_SOCKET_TIMEOUT + " in " + uri.redacted() + ", not both");
        }
        Duration purgeEvery = uri.durationParameter(PURGE_EVERY).orElse(null);
        String password = uri.parameter("password").orElse(null);

        String jdbcUrl = driverUrl(uri, postgres, socketTimeout);
        Secrets secrets = Secrets.of(password);
        String location = secrets.redact(StoreUri.redact(jdbcUrl));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(uri.parameter("user").orElse(null));
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(poolSize, 1));
        config.setPoolName("kdedup-" + table);
        // Fail fast in an outage: an operation waits at most this long for a connection, and the
        // validation of a borrowed connection never takes longer.
        config.setConnectionTimeout(connectionTimeout.toMillis());
        config.setValidationTimeout(Math.min(connectionTimeout.toMillis(), 5_000));
        config.setAutoCommit(true);
        if (!postgres) {
            // No gap locks on the claim's locking reads, so concurrent batches of new keys do not deadlock.
            config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new IdempotencyStoreException(
                    "jdbc store (table " + table + ", " + location + ")",
                    "open",
                    "cannot connect: " + secrets.describe(e) + "; check the host, port, database, user and password",
                    secrets.scrub(e));
        }
        JdbcIdempotencyStore.Builder builder = JdbcIdempotencyStore.builder(pool, secrets)
                .location(location)
                .table(table)
                .createTable(createTable)
                .dialect(postgres ? SqlDialect.POSTGRESQL : SqlDialect.MARIADB);
        if (purgeEvery != null) {
            builder.purgeEvery(purgeEvery);
        }
        return builder.build();
    }

    /**
     * The URL the driver gets: the base (with {@code jdbc:mysql} served by the MariaDB driver), every
     * parameter that is not kdedup's, exactly as written (drivers decode their own parameters, and
     * not all of them alike), and the socket timeout unless the URL sets the driver's own.
     */
    private static String driverUrl(StoreUri uri, boolean postgres, Duration socketTimeout) {
        String base = uri.base();
        if (uri.scheme().equals("jdbc:mysql")) {
            base = "jdbc:mariadb:" + base.substring("jdbc:mysql:".length());
        }
        StringBuilder url = new StringBuilder(base);
        String raw = uri.raw();
        int question = raw.indexOf('?');
        if (question >= 0) {
            for (String pair : raw.substring(question + 1).split("&")) {
                int eq = pair.indexOf('=');
                String name = StoreUri.decode(eq < 0 ? pair : pair.substring(0, eq));
                if (!pair.isEmpty() && !OWN.contains(name)) {
                    url.append(url.length() == base.length() ? '?' : '&').append(pair);
                }
            }
        }
        if (uri.parameter(DRIVER_SOCKET_TIMEOUT).isEmpty()) {
            // PostgreSQL counts whole seconds (rounded up here), MariaDB milliseconds.
            long value = postgres ? (socketTimeout.toMillis() + 999) / 1000 : socketTimeout.toMillis();
            url.append(url.length() == base.length() ? '?' : '&')
                    .append(DRIVER_SOCKET_TIMEOUT)
                    .append('=')
                    .append(value);
        }
        return url.toString();
    }
}
