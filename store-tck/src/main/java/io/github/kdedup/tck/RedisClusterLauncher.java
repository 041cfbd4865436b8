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

/**
 * Starts a real Redis Cluster (three or more masters, optionally with replicas) from {@code redis-server} processes on
 * free loopback ports, joined by {@code redis-cli --cluster create}, and stops it again. Reusable by
 * any test that needs a cluster; needs {@code redis-server} and {@code redis-cli} on the PATH.
 *
 * <pre>{@code
 * try (RedisClusterLauncher cluster = RedisClusterLauncher.start(3)) {
 *     RedisIdempotencyStore store = RedisStores.open(cluster.uri());
 * }
 * }</pre>
 *
 * <p>{@link #close()} kills every node and deletes their temporary directories. Not thread-safe.
 */
public final class RedisClusterLauncher implements AutoCloseable {

    private final Path root;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private RedisClusterLauncher(Path root) {
        this.root = root;
    }

    /**
     * Starts a cluster and waits until it reports {@code cluster_state:ok} on every node.
     *
     * @param masters the number of masters, at least 3
     * @return the running cluster
     */
    public static RedisClusterLauncher start(int masters) {
        return start(masters, 0);
    }

    /**
     * Starts a cluster with replicas and waits until it reports {@code cluster_state:ok} on every node.
     *
     * @param masters the number of masters, at least 3
     * @param replicasPerMaster the replicas of each master, 0 or more
     * @return the running cluster
     */
    public static RedisClusterLauncher start(int masters, int replicasPerMaster) {
        RedisClusterLauncher cluster;
        try {
            cluster = new RedisClusterLauncher(Files.createTempDirectory("kdedup-cluster-"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            cluster.launch(masters, replicasPerMaster);
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw new IllegalStateException(
                    "cannot start a Redis Cluster: are redis-server and redis-cli on the PATH?", e);
        } catch (InterruptedException e) {
            cluster.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void launch(int masters, int replicasPerMaster) throws IOException, InterruptedException {
        for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
            int port = RedisServerProcess.freePort();
            Path dir = Files.createDirectories(root.resolve("node-" + port));
            Process process = new ProcessBuilder(
                            "redis-server",
                            "--port",
                            Integer.toString(port),
                            "--bind",
                            "127.0.0.1",
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            "nodes.conf",
                            "--cluster-node-timeout",
                            "2000",
                            "--dir",
                            dir.toString(),
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--logfile",
                            dir.resolve("redis.log").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
            ports.add(port);
            processes.add(process);
            RedisServerProcess.awaitListening(port, process, Duration.ofSeconds(10));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
        String output = run(create);
        if (!output.contains("All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int port : ports) {
            while (!run(List.of("redis-cli", "-p", Integer.toString(port), "cluster", "info"))
                    .contains("cluster_state:ok")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not reach cluster_state:ok");
                }
                Thread.sleep(50);
            }
        }
        // Replicas are useful to a failover test only once their first sync is done.
        for (int port : ports) {
            while (replicaSyncing(port)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the replica on port " + port + " did not finish its sync");
                }
                Thread.sleep(50);
            }
        }
    }

    private boolean replicaSyncing(int port) throws IOException, InterruptedException {
        String info = run(List.of("redis-cli", "-p", Integer.toString(port), "info", "replication"));
        return info.contains("role:slave") && !info.contains("master_link_status:up");
    }

    private String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return output;
    }

    /** Returns the loopback ports of every node, masters and replicas. */
    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /**
     * Returns the ports of the nodes that are masters now, as the first node sees it.
     *
     * @return the master ports
     */
    public List<Integer> masterPorts() {
        List<Integer> masters = new ArrayList<>();
        for (int port : ports) {
            if (processes.get(ports.indexOf(port)).isAlive() && role(port).equals("master")) {
                masters.add(port);
            }
        }
        return masters;
    }

    private String role(int port) {
        try {
            String info = run(List.of("redis-cli", "-p", Integer.toString(port), "info", "replication"));
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("role:")) {
                    return line.substring("role:".length()).trim();
                }
            }
            return "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * Kills one node at once (SIGKILL), as a crash would; its replica takes over after the cluster
     * node timeout (2 s here).
     *
     * @param port the node's port
     */
    public void kill(int port) {
        Process process = processes.get(ports.indexOf(port));
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Moves slots from one master to another with {@code redis-cli --cluster reshard}, key by key
     * ({@code MIGRATE}), while the cluster keeps serving: clients meet {@code ASK} and {@code MOVED}.
     *
     * @param fromPort the master giving slots
     * @param toPort the master receiving them
     * @param slots how many slots to move
     */
    public void reshard(int fromPort, int toPort, int slots) {
        try {
            String from = run(List.of("redis-cli", "-p", Integer.toString(fromPort), "cluster", "myid"))
                    .trim();
            String to = run(List.of("redis-cli", "-p", Integer.toString(toPort), "cluster", "myid"))
                    .trim();
            String output = run(List.of(
                    "redis-cli",
                    "--cluster",
                    "reshard",
                    "127.0.0.1:" + fromPort,
                    "--cluster-from",
                    from,
                    "--cluster-to",
                    to,
                    "--cluster-slots",
                    Integer.toString(slots),
                    "--cluster-pipeline",
                    "10",
                    "--cluster-yes"));
            if (output.contains("ERR") || output.contains("[ERR]")) {
                throw new IllegalStateException("redis-cli --cluster reshard failed:\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until every live node reports {@code cluster_state:ok}, as after a failover.
     *
     * @param within how long to wait at most
     */
    public void awaitOk(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            for (int i = 0; i < ports.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    continue;
                }
                while (!run(List.of("redis-cli", "-p", Integer.toString(ports.get(i)), "cluster", "info"))
                        .contains("cluster_state:ok")) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the cluster did not return to cluster_state:ok");
                    }
                    Thread.sleep(50);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Returns {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...}. */
    public String uri() {
        return "redis-cluster://" + ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RedisServerProcess.deleteTree(root);
    }
}
