package io.github.kdedup.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStoreProvider;
import io.github.kdedup.StoreUri;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

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
 *   <li>{@code kdedupConnectionTimeout}: how long an operation waits for a connection before it
 *       fails, ISO-8601, default {@code PT5S}; during a database outage each operation fails after
 *       at most this long;
 *   <li>{@code kdedupPurgeEvery}: run the purge at this delay, ISO-8601 (default: never).
 * </ul>
 *
 * <p>{@code user} and {@code password} are taken out of the URL too and handed to the pool, so the
 * password never sits in a URL that a driver or the pool might print. Every other parameter is
 * passed to the driver unchanged.
 */
public final class JdbcStoreProvider implements IdempotencyStoreProvider {

    /** The default pool size: a store borrows one connection per operation. */
    public static final int DEFAULT_POOL_SIZE = 4;

    /** The default connection timeout. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private static final String PARAMETERS =
            "kdedupTable, kdedupPoolSize, kdedupCreateTable, kdedupConnectionTimeout, kdedupPurgeEvery";

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public JdbcStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("jdbc:postgresql", "jdbc:mariadb", "jdbc:mysql");
    }

    @Override
    public IdempotencyStore open(StoreUri uri) {
        String raw = uri.raw();
        String base = uri.base();
        if (uri.scheme().equals("jdbc:mysql")) {
            base = "jdbc:mariadb:" + base.substring("jdbc:mysql:".length());
        }
        StringBuilder driverQuery = new StringBuilder();
        String table = JdbcIdempotencyStore.DEFAULT_TABLE;
        int poolSize = DEFAULT_POOL_SIZE;
        boolean createTable = true;
        Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        Duration purgeEvery = null;
        String user = null;
        String password = null;
        int question = raw.indexOf('?');
        if (question >= 0) {
            for (String pair : raw.substring(question + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                switch (name) {
                    case "kdedupTable" -> table = TableName.requireValid(value);
                    case "kdedupPoolSize" -> poolSize = positiveInt(name, value);
                    case "kdedupCreateTable" -> createTable = bool(name, value);
                    case "kdedupConnectionTimeout" -> connectionTimeout = duration(name, value);
                    case "kdedupPurgeEvery" -> purgeEvery = duration(name, value);
                    case "user" -> user = value;
                    case "password" -> password = value;
                    default -> {
                        if (name.toLowerCase(Locale.ROOT).startsWith("kdedup")) {
                            throw new IllegalArgumentException("unknown parameter '" + name + "' in " + uri.redacted()
                                    + "; the JDBC store accepts " + PARAMETERS);
                        }
                        driverQuery
                                .append(driverQuery.length() == 0 ? "?" : "&")
                                .append(pair);
                    }
                }
            }
        }
        if (connectionTimeout.toMillis() < 250) {
            throw new IllegalArgumentException(
                    "kdedupConnectionTimeout must be at least 250 ms (HikariCP's minimum), got " + connectionTimeout);
        }
        String jdbcUrl = base + driverQuery;
        Secrets secrets = Secrets.of(password);
        String location = secrets.redact(StoreUri.redact(jdbcUrl));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(poolSize, 1));
        config.setPoolName("kdedup-" + table);
        // Fail fast in an outage: an operation waits at most this long for a connection, and the
        // validation of a borrowed connection never takes longer.
        config.setConnectionTimeout(connectionTimeout.toMillis());
        config.setValidationTimeout(Math.min(connectionTimeout.toMillis(), 5_000));
        config.setAutoCommit(true);
        if (!uri.scheme().equals("jdbc:postgresql")) {
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
                .dialect(uri.scheme().equals("jdbc:postgresql") ? SqlDialect.POSTGRESQL : SqlDialect.MARIADB);
        if (purgeEvery != null) {
            builder.purgeEvery(purgeEvery);
        }
        return builder.build();
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static int positiveInt(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number >= 1, got '" + value + "'");
    }

    private static boolean bool(String name, String value) {
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalArgumentException(name + " must be true or false, got '" + value + "'");
    }

    private static Duration duration(String name, @Nullable String value) {
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IllegalArgumentException(
                    name + " must be an ISO-8601 duration such as PT5S, got '" + value + "'", e);
        }
    }
}
