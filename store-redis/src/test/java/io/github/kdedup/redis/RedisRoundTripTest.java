package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A batch claim is one pipelined exchange of exactly one command per key. The test counts the commands
 * a private server receives ({@code INFO commandstats} deltas, read on a separate connection whose own
 * INFO calls are left out): a batch of 500 fresh keys is 500 {@code SET} and nothing else, and the
 * same batch again (500 duplicates) is again 500 {@code SET}, with no script call and no read before
 * the write. That every command of the batch travels in one pipeline, written before any reply is
 * read, follows from the code path: {@code doClaim} appends all SETs to one Jedis pipeline and calls
 * {@code sync()} once (in a cluster, one pipeline per node); Jedis offers no public hook to count
 * socket flushes, so round trips are not counted on the wire.
 */
class RedisRoundTripTest {

    private static RedisServerProcess server;

    @BeforeAll
    static void start() {
        server = RedisServerProcess.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("a batch of 500 fresh keys is 500 SET commands, and 500 duplicates are 500 SET commands too")
    void shouldClaimBatchWithOneCommandPerKey() {
        try (RedisIdempotencyStore store = RedisStores.open(server.uri());
                Jedis probe = new Jedis("127.0.0.1", server.port())) {
            List<ClaimRequest> batch = batch(0);

            Map<String, Long> before = commandCalls(probe);
            List<ClaimResult> fresh = store.claim(batch);
            Map<String, Long> afterFresh = commandCalls(probe);
            // Republished copies (another partition): duplicates of the records in progress, decided by the SET alone.
            List<ClaimResult> again = store.claim(batch(1));
            Map<String, Long> afterAgain = commandCalls(probe);

            assertThat(fresh).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
            assertThat(again).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.DUPLICATE);
            assertThat(delta(before, afterFresh)).containsExactly(Map.entry("set", 500L));
            assertThat(delta(afterFresh, afterAgain)).containsExactly(Map.entry("set", 500L));
        }
    }

    @Test
    @DisplayName("completing or releasing a batch of 500 claims is one script call, not one per key")
    void shouldCompleteAndReleaseBatchWithOneScriptCall() {
        try (RedisIdempotencyStore store = RedisStores.open(server.uri() + "?keyPrefix=rt-fenced");
                Jedis probe = new Jedis("127.0.0.1", server.port())) {
            List<Claim> first = claims(store.claim(batch(0)));
            List<Claim> second = claims(store.claim(batch(0).stream()
                    .map(r -> new ClaimRequest("rt2", r.key(), r.origin(), r.owner(), r.fingerprint(), r.lease()))
                    .toList()));

            // Loads both scripts, so that no NOSCRIPT round adds an EVAL below.
            store.complete(List.of(new Claim("rt-warm", "k", "t")), Duration.ofMinutes(5));
            store.release(List.of(new Claim("rt-warm", "k", "t")));

            Map<String, Long> before = commandCalls(probe);
            List<Boolean> completed = store.complete(first, Duration.ofMinutes(5));
            Map<String, Long> afterComplete = commandCalls(probe);
            List<Boolean> released = store.release(second);
            Map<String, Long> afterRelease = commandCalls(probe);

            assertThat(completed).hasSize(500).containsOnly(true);
            assertThat(released).hasSize(500).containsOnly(true);
            assertThat(delta(before, afterComplete))
                    .containsEntry("evalsha", 1L)
                    .doesNotContainKey("eval");
            assertThat(delta(afterComplete, afterRelease))
                    .containsEntry("evalsha", 1L)
                    .doesNotContainKey("eval");
            // The fence still holds: the stale tokens change nothing.
            assertThat(store.complete(second, Duration.ofMinutes(5))).containsOnly(false);
            assertThat(store.release(first)).containsOnly(false);
        }
    }

    private static List<Claim> claims(List<ClaimResult> results) {
        return results.stream().map(ClaimResult::claim).toList();
    }

    private static List<ClaimRequest> batch(int partition) {
        List<ClaimRequest> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(new ClaimRequest(
                    "rt", "key-" + i, new Origin("orders", partition, i), "c1", null, Duration.ofMinutes(5)));
        }
        return batch;
    }

    private static Map<String, Long> commandCalls(Jedis probe) {
        Map<String, Long> calls = new HashMap<>();
        for (String line : probe.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String rest = line.substring(line.indexOf("calls=") + "calls=".length());
                calls.put(name, Long.parseLong(rest.substring(0, rest.indexOf(','))));
            }
        }
        return calls;
    }

    /** The commands whose count changed, without the probe's own INFO. */
    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new HashMap<>();
        after.forEach((name, count) -> {
            long d = count - before.getOrDefault(name, 0L);
            if (d != 0 && !name.equals("info")) {
                delta.put(name, d);
            }
        });
        return delta;
    }
}
