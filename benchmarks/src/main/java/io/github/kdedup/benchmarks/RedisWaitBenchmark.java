package io.github.kdedup.benchmarks;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisServerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import redis.clients.jedis.Jedis;

/**
 * What {@code waitReplicas=1} costs the Redis store's cycle (claim a batch of fresh keys, complete
 * it): the same store with and without {@code WAIT}, on the same throwaway master with one replica
 * that each fork starts ({@code redis-server} on free loopback ports, in memory, stopped at the end).
 * Both variants pay the replication itself, so the ratio is the price of waiting for it: two {@code
 * WAIT}s per cycle, one after the claim's pipeline and one after the completion's.
 *
 * <p>Not part of the summary profiles, since it starts its own servers:
 *
 * <pre>
 * java -Djmh.ignoreLock=true -jar benchmarks/target/kdedup-benchmarks.jar RedisWaitBenchmark -p waitReplicas=0,1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class RedisWaitBenchmark {

    /** The replicas each call waits for: 0 is the plain store. */
    @Param({"0", "1"})
    public int waitReplicas;

    /** Keys per call. */
    @Param({"500"})
    public int batchSize;

    private RedisServerProcess master;
    private RedisServerProcess replica;
    private IdempotencyStore store;
    private List<List<ClaimRequest>> batches;
    private int next;
    private int iteration;

    /** Counts keys, so that JMH reports keys per second next to calls per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Keys {
        /** Keys claimed and completed in this iteration. */
        public long keys;

        /** Starts each iteration at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            keys = 0;
        }
    }

    /**
     * Starts the master and its replica, waits for the replica's first sync, and opens the store.
     *
     * @throws Exception when a server does not start
     */
    @Setup(Level.Trial)
    public void start() throws Exception {
        master = RedisServerProcess.start();
        replica = RedisServerProcess.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        try (Jedis jedis = new Jedis("127.0.0.1", replica.port())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!jedis.info("replication").contains("master_link_status:up")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the replica did not sync with the master");
                }
                Thread.sleep(50);
            }
        }
        String uri = master.uri() + (waitReplicas > 0 ? "?waitReplicas=" + waitReplicas + "&waitTimeout=PT1S" : "");
        store = IdempotencyStores.open(uri);
    }

    /** Makes this iteration's batches of fresh keys, outside the measurement. */
    @Setup(Level.Iteration)
    public void prepare() {
        String namespace = "wait-bench-" + (++iteration);
        // 300 k keys: more than two seconds of cycles take (about 60 k keys/s); more are made on the fly.
        int count = 300_000 / batchSize;
        batches = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            batches.add(batch(namespace, b));
        }
        next = 0;
    }

    private List<ClaimRequest> batch(String namespace, int b) {
        List<ClaimRequest> batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            long offset = (long) b * batchSize + i;
            batch.add(new ClaimRequest(
                    namespace,
                    "evt-" + offset,
                    new Origin(ClaimTarget.TOPIC, 0, offset),
                    ClaimTarget.OWNER,
                    null,
                    ClaimTarget.LEASE));
        }
        return batch;
    }

    /**
     * Claims the next batch and completes it.
     *
     * @param counter counts the keys
     * @return the keys completed, for the blackhole
     */
    @Benchmark
    public int cycle(Keys counter) {
        List<ClaimRequest> batch = next < batches.size() ? batches.get(next) : batch("wait-bench-" + iteration, next);
        next++;
        List<Claim> claims = new ArrayList<>(batch.size());
        for (ClaimResult result : store.claim(batch)) {
            if (result.owns()) {
                claims.add(result.claim());
            }
        }
        int completed = 0;
        for (boolean done : store.complete(claims, ClaimTarget.RETENTION)) {
            if (done) {
                completed++;
            }
        }
        counter.keys += batchSize;
        return completed;
    }

    /** Closes the store and stops both servers. */
    @TearDown(Level.Trial)
    public void stop() {
        if (store != null) {
            store.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (master != null) {
            master.close();
        }
    }
}
