package io.github.kdedup.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Claims per second: every store behind the SPI ({@code memory}, {@code redis}, {@code postgres},
 * {@code mariadb}), next to the raw backend doing the same work without kdedup and the naive
 * per-record code a user would write by hand, all behind {@link ClaimTarget}.
 *
 * <p>One invocation claims one batch of {@code batchSize} keys. The primary score is batches per
 * second; the secondary {@code keys} counter is claims per second ({@link Summary} multiplies the
 * score by the batch size, which is the same). Each iteration claims fresh keys from a pool built in
 * {@code @Setup(Level.Iteration)}, sized at three times the previous iteration's rate, so that key generation is
 * not measured; a share {@code duplicates} of the pool is claimed and completed (raw: inserted)
 * during that setup, spread at random, so those claims answer DUPLICATE. Each trial works under a
 * random namespace, Redis key prefix and table, and removes them: the servers are shared.
 *
 * <p>Run it (servers: see {@link Services}):
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/kdedup-benchmarks.jar ClaimBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s \
 *     -p target=memory,caffeine-putIfAbsent -p batchSize=500 -p duplicates=0 \
 *     -rf json -rff benchmarks/results/claim.json
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class ClaimBenchmark {

    /** The largest key pool of one iteration; a faster target wraps into keys made on the fly. */
    static final int MAX_KEYS_PER_ITERATION = 3_000_000;

    /** What claims: a store, a raw backend or the naive code; see {@link ClaimTarget#NAMES}. */
    @Param({
        "memory",
        "redis",
        "postgres",
        "mariadb",
        "caffeine-putIfAbsent",
        "jedis-pipelined-set-nx-px",
        "jedis-set-nx-per-record",
        "postgres-insert-unnest",
        "postgres-select-then-insert",
        "mariadb-insert-ignore",
        "mariadb-select-then-insert"
    })
    public String target;

    /** Keys per claim call: 1 is a claim per record, 500 a default {@code max.poll.records}. */
    @Param({"1", "100", "500"})
    public int batchSize;

    /** The share of keys that are already completed: the duplicates. */
    @Param({"0", "0.1", "0.5"})
    public double duplicates;

    private ClaimTarget claimTarget;
    private Object[] batches = new Object[0];
    private int next;
    private int iteration;
    private double rate;
    private long started;
    private long extraKeys;

    /** Counts claims (keys), so that JMH reports claims per second next to batches per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Keys {
        /** Claims made in this iteration. */
        public long keys;

        /** Starts each iteration at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            keys = 0;
        }
    }

    /** Opens the target under a random id. */
    @Setup(Level.Trial)
    public void open() {
        claimTarget = ClaimTarget.open(target, Services.randomId());
        rate = claimTarget.expectedRate(batchSize);
    }

    /**
     * Empties the target, makes the key pool of this iteration and completes its duplicates.
     *
     * @param params the iteration, for its length
     */
    @Setup(Level.Iteration)
    public void prepare(IterationParams params) {
        claimTarget.clear();
        double seconds = params.getTime().convertTo(TimeUnit.MILLISECONDS) / 1000.0;
        // Three times the last rate: the first measured iteration often runs much faster than warm-up.
        long wanted = (long) (rate * seconds * 3);
        int batchCount = (int) Math.max(4, Math.min(MAX_KEYS_PER_ITERATION, wanted) / batchSize);
        String[] keys = new String[batchCount * batchSize];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "evt-" + iteration + "-" + i;
        }
        SplittableRandom random = new SplittableRandom(iteration);
        String[] duplicateKeys = new String[keys.length];
        int duplicateCount = 0;
        for (String key : keys) {
            if (random.nextDouble() < duplicates) {
                duplicateKeys[duplicateCount++] = key;
            }
        }
        claimTarget.preload(Arrays.copyOf(duplicateKeys, duplicateCount));
        batches = new Object[batchCount];
        for (int b = 0; b < batchCount; b++) {
            batches[b] = claimTarget.prepare(keys, b * batchSize, (b + 1) * batchSize);
        }
        next = 0;
        extraKeys = 0;
        started = System.nanoTime();
    }

    /**
     * Claims the next batch.
     *
     * @param counter counts the keys
     * @return the answer, for the blackhole
     */
    @Benchmark
    public Object claim(Keys counter) {
        Object batch = next < batches.length ? batches[next++] : extraBatch();
        counter.keys += batchSize;
        return claimTarget.claim(batch);
    }

    private Object extraBatch() {
        // The pool ran out (a first iteration that guessed the rate low): fresh keys, made here.
        String[] keys = new String[batchSize];
        for (int i = 0; i < batchSize; i++) {
            keys[i] = "evt-" + iteration + "-x" + extraKeys++;
        }
        return claimTarget.prepare(keys, 0, batchSize);
    }

    /**
     * Learns the rate for the next pool and says when this iteration outran its pool.
     *
     * @param params the iteration
     */
    @TearDown(Level.Iteration)
    public void learnRate(IterationParams params) {
        double seconds = (System.nanoTime() - started) / 1e9;
        long claimed = (long) next * batchSize + extraKeys;
        rate = Math.max(rate / 4, claimed / seconds);
        if (extraKeys > 0 && params.getType() == IterationType.MEASUREMENT) {
            System.out.println("[kdedup] note: " + extraKeys + " of " + claimed
                    + " keys were made while measuring (the pool was too small)");
        }
        batches = new Object[0];
        iteration++;
    }

    /** Removes everything the target wrote and closes it. */
    @TearDown(Level.Trial)
    public void close() {
        claimTarget.close();
    }
}
