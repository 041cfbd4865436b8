package io.github.kdedup.tck;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * Finds the real services that store tests run against, in this order:
 *
 * <ol>
 *   <li>an endpoint in the environment: {@code KDEDUP_TEST_REDIS_URI}, {@code
 *       KDEDUP_TEST_POSTGRES_URL}, {@code KDEDUP_TEST_MARIADB_URL};
 *   <li>a server already listening on the standard local port: Redis 6379; PostgreSQL 5432 (user
 *       {@code postgres}, database {@code test}); MariaDB 3306 (user {@code root}, database {@code
 *       test});
 *   <li>a Testcontainers container, when a Docker engine answers;
 *   <li>otherwise an {@link IllegalStateException} whose message says how to provide the service.
 * </ol>
 *
 * <p>A test never skips for lack of a service: it fails, so that a missing service is never
 * mistaken for a pass. Containers are started once per JVM and stopped by Testcontainers when it
 * ends. Thread-safe.
 */
public final class TestServices {

    private static final Map<String, String> FOUND = new ConcurrentHashMap<>();

    private TestServices() {}

    /** Returns a {@code redis://} URI of a Redis 7 server that tests may write to. */
    public static String redisUri() {
        return FOUND.computeIfAbsent(
                "redis",
                k -> find(
                        "KDEDUP_TEST_REDIS_URI",
                        6379,
                        "redis://127.0.0.1:6379",
                        "redis:7.2",
                        6379,
                        (host, port) -> "redis://" + host + ":" + port,
                        "Redis 7 (redis-server --port 6379)"));
    }

    /** Returns a {@code jdbc:postgresql://} URL, user included, of a PostgreSQL database tests may write to. */
    public static String postgresUrl() {
        return FOUND.computeIfAbsent(
                "postgres",
                k -> find(
                        "KDEDUP_TEST_POSTGRES_URL",
                        5432,
                        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
                        "postgres:16",
                        5432,
                        (host, port) ->
                                "jdbc:postgresql://" + host + ":" + port + "/postgres?user=postgres&password=test",
                        "PostgreSQL (a database 'test' that user 'postgres' may use)"));
    }

    /** Returns a {@code jdbc:mariadb://} URL, user included, of a MariaDB database tests may write to. */
    public static String mariadbUrl() {
        return FOUND.computeIfAbsent(
                "mariadb",
                k -> find(
                        "KDEDUP_TEST_MARIADB_URL",
                        3306,
                        "jdbc:mariadb://127.0.0.1:3306/test?user=root",
                        "mariadb:11",
                        3306,
                        (host, port) -> "jdbc:mariadb://" + host + ":" + port + "/test?user=root&password=test",
                        "MariaDB (a database 'test' that user 'root' may use without a password)"));
    }

    /**
     * Returns whether something accepts TCP connections on the loopback port.
     *
     * @param port the port
     * @return true when a connection succeeds within 500 ms
     */
    public static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private interface Address {
        String format(String host, int port);
    }

    @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
    private static String find(
            String variable,
            int localPort,
            String localUri,
            String image,
            int containerPort,
            Address address,
            String what) {
        String explicit = System.getenv(variable);
        if (explicit != null && !explicit.isBlank()) {
            return explicit.trim();
        }
        if (listening(localPort)) {
            return localUri;
        }
        if (dockerAvailable()) {
            GenericContainer<?> container = new GenericContainer<>(image)
                    .withExposedPorts(containerPort)
                    .withEnv("POSTGRES_PASSWORD", "test")
                    .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                    .withEnv("MARIADB_ROOT_PASSWORD", "test")
                    .withEnv("MARIADB_DATABASE", "test");
            container.start();
            return address.format(container.getHost(), container.getMappedPort(containerPort));
        }
        throw new IllegalStateException("These tests need a real " + what + " and found none: set " + variable
                + ", or start the server on 127.0.0.1:" + localPort + ", or run a Docker engine for Testcontainers. "
                + "Tests are never skipped for a missing service.");
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
