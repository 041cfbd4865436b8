package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisClusterLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Redis Clusters that change under the store (each started by its test): slots migrated mid-run, and
 * a master killed mid-run and replaced by its replica. Calls in between fail with {@link
 * IdempotencyStoreException}, none answers wrongly, and the store answers again within a bounded
 * time.
 */
class RedisClusterFailoverTest {

    private static final Duration LONG = Duration.ofHours(1);

    private static List<ClaimRequest> requests(String prefix, int count, int partition) {
        List<ClaimRequest> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new ClaimRequest("failover", prefix + i, new Origin("orders", partition, i), "c1", null, LONG));
        }
        return list;
    }

    @Test
    @DisplayName("slots migrated while claims flow (ASK, MOVED): store exceptions at worst, never a wrong answer, "
            + "and every call answers once the migration is over")
    void shouldSurviveResharding() throws Exception {
        try (RedisClusterLauncher cluster = RedisClusterLauncher.start(3);
                RedisIdempotencyStore store = RedisStores.open(cluster.uri() + "?timeout=PT1S")) {
            List<ClaimResult> done = store.claim(requests("moved-", 500, 0));
            assertThat(store.complete(done.stream().map(ClaimResult::claim).toList(), LONG))
                    .containsOnly(true);
            List<Integer> masters = cluster.masterPorts();
            Thread reshard = new Thread(() -> cluster.reshard(masters.get(0), masters.get(1), 3000));
            reshard.start();
            int round = 0;
            while (reshard.isAlive()) {
                claimRound(store, "moved-", 500, ++round);
            }
            reshard.join();
            int during = round;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            boolean settled = false;
            while (!settled && System.nanoTime() < deadline) {
                settled = claimRound(store, "moved-", 500, ++round);
            }

            assertThat(settled)
                    .as("the store answers once the slots have moved")
                    .isTrue();
            assertThat(during).as("rounds of claims during the migration").isPositive();
        }
    }

    /**
     * One round of claims: completed keys again (a duplicate each), fresh keys (claimed, then completed).
     * Every answer is checked; a store exception ends the round without an answer.
     *
     * @return whether the round was answered
     */
    private static boolean claimRound(RedisIdempotencyStore store, String completed, int count, int round) {
        try {
            List<ClaimResult> again = store.claim(requests(completed, count, 1));
            assertThat(again).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.DUPLICATE);
            assertThat(again)
                    .extracting(r -> r.existing().orElseThrow().state())
                    .containsOnly(ClaimState.COMPLETED);
            List<ClaimResult> fresh = store.claim(requests("fresh-" + completed + round + "-", 50, 2));
            assertThat(fresh).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
            assertThat(store.complete(fresh.stream().map(ClaimResult::claim).toList(), LONG))
                    .containsOnly(true);
            return true;
        } catch (IdempotencyStoreException e) {
            return false;
        }
    }

    @Test
    @DisplayName("a killed cluster master is replaced by its replica: store exceptions meanwhile, no wrong answer, "
            + "and answers again within 30 s")
    void shouldFollowMasterFailover() throws Exception {
        try (RedisClusterLauncher cluster = RedisClusterLauncher.start(3, 1);
                RedisIdempotencyStore store = RedisStores.open(cluster.uri() + "?timeout=PT0.5S")) {
            List<ClaimResult> done = store.claim(requests("done-", 300, 0));
            assertThat(store.complete(done.stream().map(ClaimResult::claim).toList(), LONG))
                    .containsOnly(true);
            List<Integer> masters = cluster.masterPorts();
            for (int master : masters) {
                try (Jedis jedis = new Jedis("127.0.0.1", master, 10_000)) {
                    // Every completion is on the replica before the crash: nothing acknowledged can be lost.
                    assertThat(jedis.waitReplicas(1, 5_000)).isEqualTo(1L);
                }
            }

            cluster.kill(masters.get(0));
            long start = System.nanoTime();
            int failures = 0;
            int round = 0;
            Duration recovery = null;
            while (Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(30)) < 0) {
                round++;
                try {
                    List<ClaimResult> again = store.claim(requests("done-", 300, 1));
                    assertThat(again).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.DUPLICATE);
                    assertThat(again)
                            .extracting(r -> r.existing().orElseThrow().state())
                            .containsOnly(ClaimState.COMPLETED);
                    List<ClaimResult> fresh = store.claim(requests("fresh-" + round + "-", 30, 2));
                    assertThat(fresh).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
                    assertThat(store.complete(
                                    fresh.stream().map(ClaimResult::claim).toList(), LONG))
                            .containsOnly(true);
                    if (failures > 0) {
                        recovery = Duration.ofNanos(System.nanoTime() - start);
                        break;
                    }
                } catch (IdempotencyStoreException e) {
                    failures++;
                    Thread.sleep(100);
                }
            }

            assertThat(failures).as("calls failed while the master was down").isPositive();
            assertThat(recovery).as("the store answered again within 30 s").isNotNull();
        }
    }
}
