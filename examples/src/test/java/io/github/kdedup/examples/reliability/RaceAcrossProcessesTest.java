package io.github.kdedup.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisClusterLauncher;
import io.github.kdedup.tck.TestServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Two JVMs claim the same 100,000 keys at once, in batches of 500, on one shared store: every key
 * must be CLAIMED by exactly one of them, and the store's records must name that winner.
 */
@DisplayName("Races across processes")
class RaceAcrossProcessesTest {

    private static final int KEYS = 100_000;
    private static final int BATCH = 500;
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    @DisplayName("two JVMs on one Redis server claim each of 100,000 keys exactly once")
    void shouldClaimEachKeyOnceOnRedis() throws Exception {
        String prefix = "race" + UUID.randomUUID().toString().substring(0, 8);
        String base = TestServices.redisUri();
        try {
            race(base + (base.contains("?") ? "&" : "?") + "keyPrefix=" + prefix);
        } finally {
            deleteRedisKeys(base, prefix);
        }
    }

    @Test
    @DisplayName("two JVMs on a three-master Redis Cluster claim each of 100,000 keys exactly once")
    void shouldClaimEachKeyOnceOnRedisCluster() throws Exception {
        try (RedisClusterLauncher cluster = RedisClusterLauncher.start(3)) {
            race(cluster.uri());
        }
    }

    @Test
    @DisplayName("two JVMs on one PostgreSQL table claim each of 100,000 keys exactly once")
    void shouldClaimEachKeyOnceOnPostgres() throws Exception {
        String table = "race_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String url = TestServices.postgresUrl();
        try {
            race(url + (url.contains("?") ? "&" : "?") + "kdedupTable=" + table);
        } finally {
            try (Connection c = DriverManager.getConnection(url);
                    Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    private void race(String uri) throws Exception {
        String namespace = "race-" + UUID.randomUUID();
        Path[] outputs = {dir.resolve("child-0.txt"), dir.resolve("child-1.txt")};
        try (RaceJvm a = child(uri, namespace, 0, outputs[0]);
                RaceJvm b = child(uri, namespace, 1, outputs[1])) {
            assertThat(a.readLine()).isEqualTo("ready");
            assertThat(b.readLine()).isEqualTo("ready");
            a.send("go");
            b.send("go");
            List<String> endA = a.finish(CHILD_TIMEOUT);
            List<String> endB = b.finish(CHILD_TIMEOUT);
            assertThat(endA).last().asString().startsWith("done ");
            assertThat(endB).last().asString().startsWith("done ");
        }

        // Every key won exactly once across the two processes.
        int[] winner = new int[KEYS];
        java.util.Arrays.fill(winner, -1);
        int[] won = new int[2];
        for (int child = 0; child < 2; child++) {
            for (String line : Files.readAllLines(outputs[child], StandardCharsets.UTF_8)) {
                int key = Integer.parseInt(line.trim());
                assertThat(winner[key])
                        .as("key k%d claimed by child %d and child %d", key, winner[key], child)
                        .isEqualTo(-1);
                winner[key] = child;
                won[child]++;
            }
        }
        List<Integer> unclaimed = new ArrayList<>();
        for (int k = 0; k < KEYS && unclaimed.size() < 10; k++) {
            if (winner[k] < 0) {
                unclaimed.add(k);
            }
        }
        assertThat(unclaimed).as("keys no child claimed").isEmpty();
        assertThat(won[0] + won[1]).isEqualTo(KEYS);
        // Not asserted (it depends on scheduling), but shows that the keys were really contested.
        System.out.printf(
                "%s: child 0 won %d keys, child 1 won %d%n", io.github.kdedup.StoreUri.redact(uri), won[0], won[1]);

        // The store agrees: a third copy of each event is a duplicate of the winner's completed record.
        try (IdempotencyStore store = IdempotencyStores.open(uri)) {
            for (int from = 0; from < KEYS; from += 5_000) {
                List<ClaimRequest> requests = new ArrayList<>();
                for (int k = from; k < Math.min(KEYS, from + 5_000); k++) {
                    requests.add(new ClaimRequest(
                            namespace, "k" + k, new Origin("race", 9, k), "checker", null, RaceClaimer.LEASE));
                }
                List<ClaimResult> results = store.claim(requests);
                for (int i = 0; i < results.size(); i++) {
                    int k = from + i;
                    ClaimResult result = results.get(i);
                    assertThat(result.outcome()).as("k%d", k).isEqualTo(ClaimOutcome.DUPLICATE);
                    ExistingRecord record = result.existing().orElseThrow();
                    assertThat(record.state()).as("k%d", k).isEqualTo(ClaimState.COMPLETED);
                    assertThat(record.owner()).as("k%d", k).isEqualTo("child-" + winner[k]);
                    assertThat(record.origin()).as("k%d", k).isEqualTo(new Origin("race", winner[k], k));
                }
            }
        }
    }

    private RaceJvm child(String uri, String namespace, int index, Path output) throws Exception {
        return RaceJvm.start(
                RaceClaimer.class,
                List.of(),
                List.of(
                        uri,
                        namespace,
                        Integer.toString(index),
                        Integer.toString(KEYS),
                        Integer.toString(BATCH),
                        output.toString()),
                dir.resolve("child-" + index + ".err"));
    }

    private static void deleteRedisKeys(String uri, String prefix) {
        try (RedisClient redis = RedisClient.create(uri.replaceFirst("\\?.*$", ""))) {
            ScanParams match = new ScanParams().match(prefix + "*").count(5_000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = redis.scan(cursor, match);
                if (!page.getResult().isEmpty()) {
                    redis.unlink(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }
}
