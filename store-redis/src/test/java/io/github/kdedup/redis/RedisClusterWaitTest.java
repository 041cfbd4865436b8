package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisClusterLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * {@code waitReplicas} on a Redis Cluster of three masters with one replica each: every master that a
 * call wrote to receives one {@code WAIT} on the connection of the writes, and a master without
 * enough replicas fails the call with a message naming the setting and the master.
 */
class RedisClusterWaitTest {

    private static final Duration LONG = Duration.ofHours(1);

    private static RedisClusterLauncher cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterLauncher.start(3, 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<ClaimRequest> requests(String prefix, int count) {
        List<ClaimRequest> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new ClaimRequest("wait", prefix + i, new Origin("orders", 0, i), "c1", null, LONG));
        }
        return list;
    }

    /** The WAIT commands each master has run so far (INFO commandstats). */
    private static Map<Integer, Long> waitsPerMaster() {
        Map<Integer, Long> waits = new LinkedHashMap<>();
        for (int port : cluster.masterPorts()) {
            try (Jedis jedis = new Jedis("127.0.0.1", port, 5_000)) {
                long calls = 0;
                for (String line : jedis.info("commandstats").split("\r\n")) {
                    if (line.startsWith("cmdstat_wait:calls=")) {
                        calls = Long.parseLong(line.substring("cmdstat_wait:calls=".length(), line.indexOf(',')));
                    }
                }
                waits.put(port, calls);
            }
        }
        return waits;
    }

    @Test
    @DisplayName("waitReplicas=1: claim, complete and release of a batch over all masters succeed, each call "
            + "sending one WAIT to every master it wrote to")
    void shouldWaitOnEveryWrittenMaster() {
        try (RedisIdempotencyStore store =
                RedisStores.open(cluster.uri() + "?waitReplicas=1&waitTimeout=PT1.5S&timeout=PT3S")) {
            // A first round loads the scripts on every master: a NOSCRIPT reply costs an exchange (and a WAIT) more.
            List<ClaimResult> warm = store.claim(requests("warm-", 500));
            store.complete(warm.subList(0, 250).stream().map(ClaimResult::claim).toList(), LONG);
            store.release(
                    warm.subList(250, 500).stream().map(ClaimResult::claim).toList());
            Map<Integer, Long> before = waitsPerMaster();
            List<ClaimResult> claimed = store.claim(requests("all-", 500));
            assertThat(claimed).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
            List<ClaimResult> half = claimed.subList(0, 250);
            assertThat(store.complete(half.stream().map(ClaimResult::claim).toList(), LONG))
                    .containsOnly(true);
            assertThat(store.release(claimed.subList(250, 500).stream()
                            .map(ClaimResult::claim)
                            .toList()))
                    .containsOnly(true);
            Map<Integer, Long> after = waitsPerMaster();
            // 500 (and 250) keys hashed per key reach every master: one WAIT per master per call.
            for (int port : before.keySet()) {
                assertThat(after.get(port) - before.get(port))
                        .as("WAITs on master %d for one claim, one complete and one release", port)
                        .isEqualTo(3L);
            }

            Map<Integer, Long> beforeOne = waitsPerMaster();
            assertThat(store.claim(requests("one-", 1)))
                    .extracting(ClaimResult::outcome)
                    .containsOnly(ClaimOutcome.CLAIMED);
            Map<Integer, Long> afterOne = waitsPerMaster();
            long asked = before.keySet().stream()
                    .mapToLong(port -> afterOne.get(port) - beforeOne.get(port))
                    .sum();
            assertThat(asked).as("a one-key call waits on its master only").isEqualTo(1L);
        }
    }

    @Test
    @DisplayName("waitReplicas=2 with one replica per master: claims and completions fail naming waitReplicas "
            + "and the master")
    void shouldFailWhenTooFewReplicasAcknowledge() {
        List<ClaimResult> claimed;
        try (RedisIdempotencyStore plain = RedisStores.open(cluster.uri())) {
            claimed = plain.claim(requests("short-done-", 100));
        }
        try (RedisIdempotencyStore store =
                RedisStores.open(cluster.uri() + "?waitReplicas=2&waitTimeout=PT0.1S&timeout=PT2S")) {
            assertThatThrownBy(() -> store.claim(requests("short-", 100)))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("claim of 100 keys failed")
                    .hasMessageContaining("only 1 of the 2 replicas required (waitReplicas) acknowledged the writes "
                            + "on master 127.0.0.1:")
                    .hasMessageContaining("(waitTimeout)");
            assertThatThrownBy(() -> store.complete(
                            claimed.stream().map(ClaimResult::claim).toList(), LONG))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("complete of 100 keys failed")
                    .hasMessageContaining("(waitReplicas)");
        }
    }
}
