package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.IdempotencyStoreContract;
import io.github.kdedup.tck.RedisSentinelGroup;
import io.github.kdedup.tck.RedisServerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Redis store behind Redis Sentinel: it passes the contract, follows a failover of a killed
 * master within a bounded time (calls in between fail with {@link IdempotencyStoreException}, none
 * answers wrongly), waits for replicas when asked ({@code waitReplicas}), and rejects bad Sentinel
 * settings at open. One group of real processes (master,
 * replica, three sentinels; {@link RedisSentinelGroup}) serves the whole class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the failover, which leaves no replica, comes last
class RedisSentinelStoreContractTest extends IdempotencyStoreContract {

    private static final String SECRET = "Sentinel-Secret-77";
    private static final Duration LONG = Duration.ofHours(1);
    private static RedisSentinelGroup group;

    @BeforeAll
    static void startGroup() {
        group = RedisSentinelGroup.start();
    }

    @AfterAll
    static void stopGroup() {
        if (group != null) {
            group.close();
        }
    }

    @Override
    protected IdempotencyStore openStore() {
        return RedisStores.open(group.uri() + "&poolSize=8");
    }

    private static List<ClaimRequest> requests(String prefix, int count, int partition) {
        List<ClaimRequest> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new ClaimRequest("sentinel", prefix + i, new Origin("orders", partition, i), "c1", null, LONG));
        }
        return list;
    }

    @Test
    @Order(1)
    @DisplayName("with waitReplicas=1 every call waits for the replica; asking for more replicas than there are "
            + "fails the call")
    void shouldWaitForReplicas() {
        try (RedisIdempotencyStore store = RedisStores.open(group.uri() + "&waitReplicas=1&waitTimeout=PT1.5S")) {
            List<ClaimResult> claimed = store.claim(requests("wait-", 50, 0));
            assertThat(claimed).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
            assertThat(store.complete(claimed.stream().map(ClaimResult::claim).toList(), LONG))
                    .containsOnly(true);
        }
        try (RedisIdempotencyStore store = RedisStores.open(group.uri() + "&waitReplicas=2&waitTimeout=PT0.2S")) {
            assertThatThrownBy(() -> store.claim(requests("wait-more-", 50, 0)))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("claim of 50 keys failed")
                    .hasMessageContaining("only 1 of the 2 replicas required (waitReplicas)");
        }
    }

    @Test
    @Order(2)
    @DisplayName("a killed master is replaced: calls fail with store exceptions meanwhile, none answers wrongly, "
            + "and the store answers again within 30 s")
    void shouldFollowFailover() throws Exception {
        try (RedisIdempotencyStore store = RedisStores.open(group.uri() + "&timeout=PT0.5S")) {
            List<ClaimResult> done = store.claim(requests("done-", 200, 0));
            assertThat(store.complete(done.stream().map(ClaimResult::claim).toList(), LONG))
                    .containsOnly(true);
            group.awaitReplicated(Duration.ofSeconds(10));
            int oldMaster = group.masterPort();

            group.node(oldMaster).stop();
            long start = System.nanoTime();
            int failures = 0;
            int round = 0;
            Duration recovery = null;
            while (Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(30)) < 0) {
                round++;
                try {
                    // Another origin: a duplicate of the completed records, on the old master or the new one.
                    List<ClaimResult> again = store.claim(requests("done-", 200, 1));
                    assertThat(again).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.DUPLICATE);
                    assertThat(again)
                            .extracting(r -> r.existing().orElseThrow().state())
                            .containsOnly(ClaimState.COMPLETED);
                    assertThat(store.claim(requests("fresh-" + round + "-", 20, 2)))
                            .extracting(ClaimResult::outcome)
                            .containsOnly(ClaimOutcome.CLAIMED);
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
            assertThat(group.awaitFailover(oldMaster, Duration.ofSeconds(10))).isNotEqualTo(oldMaster);
        }
    }

    @Test
    @DisplayName("no masterName, an unknown master, sentinels that all refuse, or refused sentinel credentials "
            + "fail at open, naming the setting and never the password")
    void shouldRejectBadSentinelSettings() throws Exception {
        String sentinels = group.uri().substring(0, group.uri().indexOf('?'));
        assertThatThrownBy(() -> RedisStores.open(sentinels))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("masterName is missing");
        assertThatThrownBy(() -> RedisStores.open(sentinels + "?masterName=nobody&timeout=PT1S"))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("open failed")
                .hasMessageContaining("masterName 'nobody'");
        int nothing = RedisServerProcess.freePort();
        assertThatThrownBy(() -> RedisStores.open("redis-sentinel://127.0.0.1:" + nothing + "?masterName="
                        + RedisSentinelGroup.MASTER_NAME + "&timeout=PT1S"))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("sentinels [127.0.0.1:" + nothing + "]")
                .hasMessageContaining("reachable");
        // These sentinels have no password: AUTH with one is refused, as a wrong password is.
        assertThatThrownBy(() -> RedisStores.open(group.uri() + "&sentinelPassword=" + SECRET + "&timeout=PT1S"))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("sentinelPassword")
                .satisfies(e -> assertThat(everything(e)).doesNotContain(SECRET));
    }

    private static String everything(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
