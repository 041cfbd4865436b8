package io.github.kdedup.examples.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * Apache Kafka's own KRaft server, one combined broker and controller node, running inside this
 * JVM from the production artifacts ({@code kafka_2.13}, {@code kafka-metadata}) without any test
 * kit. It listens on loopback only, keeps its log in a temporary directory that {@link #close()}
 * deletes, and uses replication factors of 1 for the internal topics (without them a consumer group
 * never forms on a single node).
 *
 * <p>{@link #start()} blocks until the broker answers a metadata request with itself registered,
 * which takes about two seconds. Thread-safe: {@link #bootstrapServers()} may be called from any
 * thread; {@link #close()} is idempotent.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final int NODE_ID = 1;
    private static final int START_ATTEMPTS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafka(Path dataDir, KafkaRaftServer server, String bootstrapServers) {
        this.dataDir = dataDir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats a temporary log directory, starts the node and waits until it serves clients.
     *
     * @return the running broker; the caller closes it
     * @throws IllegalStateException when the node did not start after a few attempts
     */
    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /**
     * Like {@link #start()}, with server properties that override the defaults.
     *
     * @param overrides server properties, such as {@code group.initial.rebalance.delay.ms}
     * @return the running broker; the caller closes it
     * @throws IllegalStateException when the node did not start after a few attempts
     */
    public static EmbeddedKafka start(Map<String, String> overrides) {
        // Both ports must be known before start (the controller's is part of controller.quorum.voters and
        // KafkaRaftServer does not tell the bound port), so they are picked up front; another process may
        // take one in between, hence the retries.
        Exception last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            Path dir = null;
            KafkaRaftServer server = null;
            try {
                dir = Files.createTempDirectory("kdedup-kafka-");
                int brokerPort = freePort();
                Properties props = serverProperties(dir, brokerPort, freePort());
                props.putAll(overrides);
                KafkaConfig config = new KafkaConfig(props);
                format(config, dir);
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                String bootstrap = "127.0.0.1:" + brokerPort;
                awaitReady(bootstrap);
                return new EmbeddedKafka(dir, server, bootstrap);
            } catch (Exception e) {
                last = e;
                if (server != null) {
                    shutdownQuietly(server);
                }
                if (dir != null) {
                    deleteRecursively(dir);
                }
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException("the in-process Kafka broker did not start: " + last, last);
    }

    private static Properties serverProperties(Path dir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        return p;
    }

    /** What {@code kafka-storage.sh format -t <random id> -c server.properties} does. */
    private static void format(KafkaConfig config, Path dir) throws Exception {
        new Formatter()
                // it prints "Formatting ..." to stdout otherwise
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(config.nodeId())
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(dir.toString()))
                .setMetadataLogDirectory(config.metadataLogDir())
                .setControllerListenerName(config.controllerListenerNames().get(0))
                .setUnstableFeatureVersionsEnabled(false)
                .setHasDynamicQuorum(false)
                .run();
    }

    /** Ready means: the broker answers a metadata request and lists itself (registered, unfenced). */
    private static void awaitReady(String bootstrap) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000))) {
            Exception last = null;
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    last = e;
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("Kafka not ready on " + bootstrap + " after " + READY_TIMEOUT, last);
        }
    }

    /** Returns {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops the node and deletes its log directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shutdownQuietly(server);
        deleteRecursively(dataDir);
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException ignored) {
            // best effort: the JVM is about to drop it anyway
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
