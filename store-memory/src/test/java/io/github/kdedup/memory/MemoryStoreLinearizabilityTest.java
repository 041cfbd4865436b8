package io.github.kdedup.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.Origin;
import io.github.kdedup.memory.LinearizabilityChecker.Kind;
import io.github.kdedup.memory.LinearizabilityChecker.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of claim, complete and release on the memory store: three threads run a few random
 * operations each on two keys, at once; the recorded history must have a valid sequential order
 * ({@link LinearizabilityChecker}, Wing &amp; Gong). Lincheck was the first choice; this small checker
 * tests the store's own operations with its real random tokens, which Lincheck's deterministic
 * replays do not allow without changing the store.
 */
@DisplayName("Memory store linearizability")
class MemoryStoreLinearizabilityTest {

    private static final int THREADS = 3;
    private static final int OPS_PER_THREAD = 4;
    /** Rounds run until this many had overlapping operations (how many do depends on the machine's load). */
    private static final int OVERLAPPING_ROUNDS = 200;

    private static final int MAX_ROUNDS = 300_000;
    private static final Duration MAX_TIME = Duration.ofSeconds(45);
    private static final String NAMESPACE = "lin";
    private static final Duration LEASE = Duration.ofMinutes(5);

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("every concurrent history of claim, complete and release on two keys is linearizable")
    void shouldBeLinearizable() throws Exception {
        SplittableRandom seeds = new SplittableRandom(20240601L);
        int concurrent = 0;
        long deadline = System.nanoTime() + MAX_TIME.toNanos();
        int round = 0;
        for (; concurrent < OVERLAPPING_ROUNDS && round < MAX_ROUNDS && System.nanoTime() < deadline; round++) {
            // A fixed clock: nothing expires, so the model needs no time.
            MemoryIdempotencyStore store =
                    MemoryIdempotencyStore.builder().ticker(() -> 1_000_000L).build();
            AtomicInteger start = new AtomicInteger();
            List<Future<List<Op>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                SplittableRandom random = seeds.split();
                futures.add(pool.submit(() -> run(store, random, start)));
            }
            List<Op> history = new ArrayList<>();
            for (Future<List<Op>> f : futures) {
                history.addAll(f.get(30, TimeUnit.SECONDS));
            }
            store.close();
            if (overlapping(history)) {
                concurrent++;
            }
            assertThat(LinearizabilityChecker.linearizable(history))
                    .as("round %d is not linearizable:%n%s", round, LinearizabilityChecker.describe(history))
                    .isTrue();
        }
        // The check means something only if operations really overlapped in many rounds.
        System.out.printf("%d of %d rounds had overlapping operations%n", concurrent, round);
        assertThat(concurrent).isGreaterThanOrEqualTo(50);
    }

    @Test
    @DisplayName("the checker rejects histories that break the contract")
    void shouldRejectBrokenHistories() {
        // Two fresh CLAIMs of one key, one after the other, with no release between.
        assertThat(LinearizabilityChecker.linearizable(List.of(
                        new Op(Kind.CLAIM, "k", 0, "t1", "CLAIMED", 0, 1),
                        new Op(Kind.CLAIM, "k", 1, "t2", "CLAIMED", 2, 3))))
                .isFalse();
        // Overlapping, both CLAIMED: no order explains it either.
        assertThat(LinearizabilityChecker.linearizable(List.of(
                        new Op(Kind.CLAIM, "k", 0, "t1", "CLAIMED", 0, 10),
                        new Op(Kind.CLAIM, "k", 1, "t2", "CLAIMED", 1, 11))))
                .isFalse();
        // A stale token completes: wrong.
        assertThat(LinearizabilityChecker.linearizable(List.of(
                        new Op(Kind.CLAIM, "k", 0, "t1", "CLAIMED", 0, 1),
                        new Op(Kind.CLAIM, "k", 0, "t2", "RECLAIMED", 2, 3),
                        new Op(Kind.COMPLETE, "k", 0, "t1", "true", 4, 5))))
                .isFalse();
        // A duplicate seen before the claim that it duplicates happened (real time violated).
        assertThat(LinearizabilityChecker.linearizable(List.of(
                        new Op(Kind.CLAIM, "k", 1, null, "DUPLICATE-IN_PROGRESS-0", 0, 1),
                        new Op(Kind.CLAIM, "k", 0, "t1", "CLAIMED", 2, 3))))
                .isFalse();
        // ...while the same two overlapping in time are fine.
        assertThat(LinearizabilityChecker.linearizable(List.of(
                        new Op(Kind.CLAIM, "k", 1, null, "DUPLICATE-IN_PROGRESS-0", 0, 5),
                        new Op(Kind.CLAIM, "k", 0, "t1", "CLAIMED", 1, 3))))
                .isTrue();
    }

    /** One thread's operations: claims with one of two origins, completes and releases of its own claims. */
    private static List<Op> run(MemoryIdempotencyStore store, SplittableRandom random, AtomicInteger start)
            throws Exception {
        Map<String, String> myTokens = new HashMap<>();
        List<Op> ops = new ArrayList<>(OPS_PER_THREAD);
        // A spinning start line: a blocking barrier wakes the threads tens of microseconds apart,
        // longer than a whole operation, and they would rarely overlap.
        start.incrementAndGet();
        for (int spins = 0; start.get() < THREADS; spins++) {
            // Spin briefly, then let a third thread that waits for one of the two cores run.
            if (spins < 2_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        for (int i = 0; i < OPS_PER_THREAD; i++) {
            String key = "k" + random.nextInt(2);
            String token = myTokens.get(key);
            int choice = token == null ? 0 : random.nextInt(3);
            if (choice == 0) {
                int origin = random.nextInt(2);
                ClaimRequest request =
                        new ClaimRequest(NAMESPACE, key, new Origin("t", origin, 7), "owner", null, LEASE);
                long invoked = System.nanoTime();
                ClaimResult result = store.claim(List.of(request)).get(0);
                long returned = System.nanoTime();
                String received = null;
                String answer;
                if (result.owns()) {
                    received = result.claim().token();
                    myTokens.put(key, received);
                    answer = result.outcome().name();
                } else {
                    ExistingRecord existing = result.existing().orElseThrow();
                    answer = ClaimOutcome.DUPLICATE + "-" + existing.state() + "-"
                            + existing.origin().partition();
                }
                ops.add(new Op(Kind.CLAIM, key, origin, received, answer, invoked, returned));
            } else {
                Claim claim = new Claim(NAMESPACE, key, token);
                Kind kind = choice == 1 ? Kind.COMPLETE : Kind.RELEASE;
                long invoked = System.nanoTime();
                boolean answer = kind == Kind.COMPLETE
                        ? store.complete(List.of(claim), Duration.ofHours(1)).get(0)
                        : store.release(List.of(claim)).get(0);
                long returned = System.nanoTime();
                ops.add(new Op(kind, key, -1, token, Boolean.toString(answer), invoked, returned));
            }
        }
        return Collections.unmodifiableList(ops);
    }

    private static boolean overlapping(List<Op> history) {
        for (Op a : history) {
            for (Op b : history) {
                if (a != b && a.invoked() < b.returned() && b.invoked() < a.returned()) {
                    return true;
                }
            }
        }
        return false;
    }
}
