package io.github.kdedup.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Keys per second of every {@link Target}: the kdedup stores behind the SPI, the raw backend
 * operation each is measured against, and the peers users pick instead, in the same run.
 *
 * <ul>
 *   <li>{@code claim}: one call claims one batch of {@code batchSize} keys.
 *   <li>{@code cycle}: one call claims the batch and completes the keys it won, what a consumer pays
 *       per poll; a peer adds and confirms key by key. Raw baselines have nothing to complete and
 *       reject this benchmark.
 * </ul>
 *
 * <p>The primary score is calls per second; the secondary {@code keys} counter is keys per second
 * ({@link Summary} multiplies the score by the batch size, which is the same). Each iteration claims
 * fresh keys from a pool built in {@code @Setup(Level.Iteration)}, sized at three times the previous
 * iteration's rate, so that key generation is not measured; a share {@code duplicates} of the pool
 * is claimed and completed (raw: inserted) in that setup, spread at random, so those claims answer
 * duplicate. Each trial works under a random namespace, Redis key prefix and tables, and removes
 * them: the servers are shared (see {@link Services}).
 *
 * <p>Run it from the repository root (one target set at a time, e.g. a store, its raw baseline and
 * its peers):
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/kdedup-benchmarks.jar 'ClaimBenchmark.(claim|cycle)' -f 1 -wi 2 -i 3 -w 1s -r 1s \
 *     -p target=Redis,CamelRedis,SpringRedis -p batchSize=1,500 -p duplicates=0,0.1 \
 *     -rf json -rff benchmarks/target/claim.json
 * java -jar benchmarks/target/kdedup-benchmarks.jar 'ClaimBenchmark.claim' -p target=RawRedis -p batchSize=500
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

    /** What claims: a store, a raw baseline or a peer; every {@link Target} unless given. */
    @Param
    public Target target = Target.Memory;

    /** Keys per call: 1 is a claim per record, 500 a default {@code max.poll.records}. */
    @Param({"1", "500"})
    public int batchSize;

    /** The share of keys that are already completed: the duplicates. */
    @Param({"0", "0.1"})
    public double duplicates;

    // Set in the trial's setup, before any other method runs.
    private Workload<?> workload;
    private double rate;

    /** Counts keys, so that JMH reports keys per second next to calls per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Keys {
        /** Keys claimed in this iteration. */
        public long keys;

        /** Starts each iteration at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            keys = 0;
        }
    }

    /**
     * Opens the target under a random id.
     *
     * @param params the benchmark, to reject a cycle of a raw baseline before any work
     */
    @Setup(Level.Trial)
    public void open(BenchmarkParams params) {
        if (params.getBenchmark().endsWith(".cycle") && target.role() == Target.Role.RAW) {
            throw new IllegalArgumentException(target + " is a raw baseline: it claims and has nothing to complete; "
                    + "measure it with ClaimBenchmark.claim, or pick a store or a peer for ClaimBenchmark.cycle");
        }
        workload = new Workload<>(target.open(Services.randomId()));
        rate = target.expectedRate(batchSize);
    }

    /**
     * Empties the target, makes the key pool of this iteration and completes its duplicates.
     *
     * @param params the iteration, for its length
     */
    @Setup(Level.Iteration)
    public void prepare(IterationParams params) {
        double seconds = params.getTime().convertTo(TimeUnit.MILLISECONDS) / 1000.0;
        // Three times the last rate: the first measured iteration often runs much faster than warm-up.
        long wanted = (long) (rate * seconds * 3);
        int batchCount = (int) Math.max(4, Math.min(MAX_KEYS_PER_ITERATION, wanted) / batchSize);
        workload.prepare(batchCount, batchSize, duplicates);
    }

    /**
     * Claims the next batch.
     *
     * @param counter counts the keys
     * @return the keys won, for the blackhole
     */
    @Benchmark
    public int claim(Keys counter) {
        counter.keys += batchSize;
        return workload.claim();
    }

    /**
     * Claims the next batch and completes the keys won.
     *
     * @param counter counts the keys
     * @return the keys completed, for the blackhole
     */
    @Benchmark
    public int cycle(Keys counter) {
        counter.keys += batchSize;
        return workload.cycle();
    }

    /**
     * Learns the rate for the next pool and says when this iteration outran its pool.
     *
     * @param params the iteration
     */
    @TearDown(Level.Iteration)
    public void learnRate(IterationParams params) {
        rate = Math.max(rate / 4, workload.rate());
        long extra = workload.extraKeys();
        if (extra > 0 && params.getType() == IterationType.MEASUREMENT) {
            System.out.println("[kdedup] note: " + extra + " of " + workload.claimedKeys()
                    + " keys were made while measuring (the pool was too small)");
        }
        workload.finish();
    }

    /** Removes everything the target wrote and closes it. */
    @TearDown(Level.Trial)
    public void close() {
        workload.close();
    }

    /**
     * One target and the batches it prepared for the current iteration, typed by the target's batch
     * type so that nothing is cast. Not thread-safe.
     */
    static final class Workload<B> implements AutoCloseable {
        private final ClaimTarget<B> target;
        private List<B> batches = List.of();
        private int next;
        private int iteration;
        private int batchSize;
        private long extraKeys;
        private long started;

        Workload(ClaimTarget<B> target) {
            this.target = target;
        }

        /** Empties the target, makes this iteration's key pool and preloads its duplicates. */
        void prepare(int batchCount, int size, double duplicates) {
            target.clear();
            batchSize = size;
            String[] keys = new String[batchCount * size];
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
            target.preload(Arrays.copyOf(duplicateKeys, duplicateCount));
            List<B> prepared = new ArrayList<>(batchCount);
            for (int b = 0; b < batchCount; b++) {
                prepared.add(target.prepare(keys, b * size, (b + 1) * size));
            }
            batches = prepared;
            next = 0;
            extraKeys = 0;
            started = System.nanoTime();
        }

        int claim() {
            return target.claim(nextBatch());
        }

        int cycle() {
            return target.cycle(nextBatch());
        }

        private B nextBatch() {
            if (next < batches.size()) {
                return batches.get(next++);
            }
            // The pool ran out (a first iteration that guessed the rate low): fresh keys, made here.
            String[] keys = new String[batchSize];
            for (int i = 0; i < batchSize; i++) {
                keys[i] = "evt-" + iteration + "-x" + extraKeys++;
            }
            return target.prepare(keys, 0, batchSize);
        }

        long claimedKeys() {
            return (long) next * batchSize + extraKeys;
        }

        long extraKeys() {
            return extraKeys;
        }

        /** Returns the keys per second since {@link #prepare}. */
        double rate() {
            return claimedKeys() / ((System.nanoTime() - started) / 1e9);
        }

        /** Drops this iteration's batches. */
        void finish() {
            batches = List.of();
            iteration++;
        }

        @Override
        public void close() {
            target.close();
        }
    }
}
