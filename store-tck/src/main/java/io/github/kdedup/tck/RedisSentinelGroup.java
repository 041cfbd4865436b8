package io.github.kdedup.tck;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A real Redis Sentinel set-up on free loopback ports: a master, one replica and three sentinels
 * ({@code redis-server <conf> --sentinel}) that monitor the master as {@value #MASTER_NAME} with a
 * quorum of 2 and a down-after of one second, so that a killed master is replaced within a few
 * seconds. Needs {@code redis-server} and {@code redis-cli} on the PATH. {@link #close()} stops every
 * process and deletes the directories. Not thread-safe.
 */
public final class RedisSentinelGroup implements AutoCloseable {

    /** The name the sentinels monitor the master under. */
    public static final String MASTER_NAME = "kdedup-master";

    private final Path root;
    private final List<RedisServerProcess> data = new ArrayList<>();
    private final List<Integer> sentinelPorts = new ArrayList<>();
    private final List<Process> sentinels = new ArrayList<>();

    private final @Nullable String sentinelPassword;

    private RedisSentinelGroup(Path root, @Nullable String sentinelPassword) {
        this.root = root;
        this.sentinelPassword = sentinelPassword;
    }

    /**
     * Starts the master, the replica and the sentinels, and waits until the sentinels agree on the
     * master and see the replica and each other.
     *
     * @return the running group
     */
    public static RedisSentinelGroup start() {
        return start(null);
    }

    /**
     * Starts the group with sentinels that require a password ({@code requirepass} in each sentinel's
     * configuration, and {@code sentinel sentinel-pass} so that they still talk to each other); the
     * data nodes have none.
     *
     * @param sentinelPassword the sentinels' password, or null for none
     * @return the running group
     */
    public static RedisSentinelGroup start(@Nullable String sentinelPassword) {
        RedisSentinelGroup group;
        try {
            group = new RedisSentinelGroup(Files.createTempDirectory("kdedup-sentinel-"), sentinelPassword);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            group.launch();
            return group;
        } catch (IOException | RuntimeException e) {
            group.close();
            throw new IllegalStateException(
                    "cannot start Redis Sentinel: are redis-server and redis-cli on the PATH?", e);
        } catch (InterruptedException e) {
            group.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void launch() throws IOException, InterruptedException {
        RedisServerProcess master = RedisServerProcess.start();
        data.add(master);
        data.add(RedisServerProcess.start("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        for (int i = 0; i < 3; i++) {
            int port = RedisServerProcess.freePort();
            Path dir = Files.createDirectories(root.resolve("sentinel-" + port));
            Path conf = dir.resolve("sentinel.conf");
            Files.writeString(
                    conf,
                    String.join(
                            "\n",
                            "port " + port,
                            "bind 127.0.0.1",
                            "dir " + dir,
                            "logfile " + dir.resolve("sentinel.log"),
                            "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2",
                            "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                            "sentinel failover-timeout " + MASTER_NAME + " 10000",
                            "sentinel parallel-syncs " + MASTER_NAME + " 1",
                            sentinelPassword == null ? "" : "requirepass " + sentinelPassword,
                            sentinelPassword == null ? "" : "sentinel sentinel-pass " + sentinelPassword,
                            ""));
            Process process = new ProcessBuilder("redis-server", conf.toString(), "--sentinel")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
            sentinels.add(process);
            sentinelPorts.add(port);
            RedisServerProcess.awaitListening(port, process, Duration.ofSeconds(10));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int port : sentinelPorts) {
            while (true) {
                String info = cli(port, "SENTINEL", "MASTER", MASTER_NAME);
                if (field(info, "num-slaves").equals("1")
                        && field(info, "num-other-sentinels").equals("2")) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the sentinels did not see the replica and each other:\n" + info);
                }
                Thread.sleep(100);
            }
        }
        awaitReplicated(Duration.ofSeconds(30));
    }

    /** The value after a field name in redis-cli's one-item-per-line output of SENTINEL MASTER. */
    private static String field(String output, String name) {
        String[] lines = output.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].trim().equals(name)) {
                return lines[i + 1].trim();
            }
        }
        return "";
    }

    private String cli(int port, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        line.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true);
        if (sentinelPassword != null && sentinelPorts.contains(port)) {
            // By the environment, not "-a", so that the password is not on a command line.
            builder.environment().put("REDISCLI_AUTH", sentinelPassword);
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return output;
    }

    /** Returns {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3?masterName=kdedup-master}. */
    public String uri() {
        return "redis-sentinel://"
                + sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
                + "?masterName=" + MASTER_NAME;
    }

    /** Returns the sentinels' ports. */
    public List<Integer> sentinelPorts() {
        return List.copyOf(sentinelPorts);
    }

    /**
     * Returns the port of the master the first sentinel names now.
     *
     * @return the port
     */
    public int masterPort() {
        return masterPort(sentinelPorts.get(0));
    }

    /**
     * Waits until every sentinel names a master other than the given one, so that a client asking
     * any sentinel finds the new master.
     *
     * @param oldMaster the port of the master that failed
     * @param within how long to wait at most
     * @return the new master's port
     */
    public int awaitFailover(int oldMaster, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            List<Integer> named = sentinelPorts.stream().map(this::masterPort).toList();
            if (named.stream().distinct().count() == 1 && named.get(0) != oldMaster) {
                return named.get(0);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the sentinels did not agree on a new master: " + named);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private int masterPort(int sentinel) {
        try {
            String[] address = cli(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
                    .trim()
                    .split("\n");
            return Integer.parseInt(address[address.length - 1].trim());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot ask the sentinels for the master", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Returns the data node (master or replica) on a port. */
    public RedisServerProcess node(int port) {
        return data.stream()
                .filter(n -> n.port() == port)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no data node on port " + port));
    }

    /**
     * Waits until the replica has every write of the master (equal replication offsets), so that a
     * failover after this loses nothing acknowledged before it.
     *
     * @param within how long to wait at most
     */
    public void awaitReplicated(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            int master = masterPort();
            int replica = data.stream()
                    .mapToInt(RedisServerProcess::port)
                    .filter(p -> p != master)
                    .findFirst()
                    .orElseThrow();
            while (true) {
                String m = infoField(cli(master, "INFO", "replication"), "master_repl_offset");
                String r = infoField(cli(replica, "INFO", "replication"), "slave_repl_offset");
                if (!m.isEmpty() && m.equals(r)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the replica did not catch up: master " + m + ", replica " + r);
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String infoField(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return "";
    }

    @Override
    public void close() {
        for (Process process : sentinels) {
            process.destroyForcibly();
        }
        for (Process process : sentinels) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        data.forEach(RedisServerProcess::close);
        RedisServerProcess.deleteTree(root);
    }
}
