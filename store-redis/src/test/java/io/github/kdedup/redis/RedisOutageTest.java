package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Outages of a private server: a kill and restart (the server runs with {@code --appendonly yes
 * --appendfsync always}, so every acknowledged write survives the SIGKILL), and a timeout outage by
 * {@code CLIENT PAUSE}. During an outage every call throws {@link IdempotencyStoreException}; after
 * it, answers are right: nothing completed is claimed again.
 */
class RedisOutageTest {

    private static final Duration LONG = Duration.ofHours(1);

    private static List<ClaimRequest> requests(String prefix, int count, int partition) {
        List<ClaimRequest> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new ClaimRequest("outage", prefix + i, new Origin("orders", partition, i), "c1", null, LONG));
        }
        return list;
    }

    /** Retries until the store answers: the pool may hand out connections that died with the old server. */
    private static <T> T afterRecovery(Supplier<T> call) throws InterruptedException {
        IdempotencyStoreException last = null;
        for (int attempt = 0; attempt < 40; attempt++) {
            try {
                return call.get();
            } catch (IdempotencyStoreException e) {
                last = e;
                Thread.sleep(50);
            }
        }
        throw new AssertionError("the store did not recover", last);
    }

    @Test
    @DisplayName("a server restart gives store exceptions during the outage and right answers after it")
    void shouldSurviveRestart() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
                RedisIdempotencyStore store = RedisStores.builder()
                        .standalone("127.0.0.1", server.port())
                        .timeout(Duration.ofMillis(500))
                        .build()) {
            List<ClaimResult> done = store.claim(requests("done-", 100, 0));
            assertThat(store.complete(done.stream().map(ClaimResult::claim).collect(Collectors.toList()), LONG))
                    .containsOnly(true);
            List<Claim> busy = store.claim(requests("busy-", 50, 1)).stream()
                    .map(ClaimResult::claim)
                    .collect(Collectors.toList());

            server.stop();
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> store.claim(requests("done-", 100, 2)))
                        .isInstanceOf(IdempotencyStoreException.class)
                        .hasMessageContaining("127.0.0.1:" + server.port())
                        .hasMessageContaining("claim of 100 keys");
            }
            assertThatThrownBy(() -> store.complete(busy, LONG)).isInstanceOf(IdempotencyStoreException.class);

            server.startProcess();
            List<ClaimResult> republished = afterRecovery(() -> store.claim(requests("done-", 100, 2)));
            assertThat(republished).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.DUPLICATE);
            assertThat(republished)
                    .extracting(r -> r.existing().orElseThrow().state())
                    .containsOnly(ClaimState.COMPLETED);
            assertThat(store.claim(requests("busy-", 50, 3)))
                    .extracting(ClaimResult::outcome)
                    .containsOnly(ClaimOutcome.DUPLICATE);
            // The restarted server lost its script cache: EVALSHA answers NOSCRIPT and the store resends by EVAL.
            assertThat(store.complete(busy, LONG)).containsOnly(true);
            assertThat(store.claim(requests("fresh-", 20, 4)))
                    .extracting(ClaimResult::outcome)
                    .containsOnly(ClaimOutcome.CLAIMED);
        }
    }

    @Test
    @DisplayName("a paused server gives timeouts, and the claims after it own the keys or see them, never guessed")
    void shouldReportTimeoutOfPausedServer() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
                RedisIdempotencyStore store = RedisStores.builder()
                        .standalone("127.0.0.1", server.port())
                        .timeout(Duration.ofMillis(300))
                        .build();
                Jedis admin = new Jedis("127.0.0.1", server.port())) {
            List<ClaimResult> before = store.claim(requests("k-", 50, 0));
            store.complete(before.stream().map(ClaimResult::claim).collect(Collectors.toList()), LONG);

            admin.clientPause(1_500);
            assertThatThrownBy(() -> store.claim(requests("p-", 50, 1)))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("timed out after 300 ms");

            Thread.sleep(1_600);
            // The timed-out batch may have run once the pause ended; its claims are taken over by the same origin.
            assertThat(afterRecovery(() -> store.claim(requests("p-", 50, 1))))
                    .extracting(ClaimResult::outcome)
                    .allMatch(ClaimOutcome::owns);
            assertThat(store.claim(requests("k-", 50, 0)))
                    .extracting(ClaimResult::outcome)
                    .containsOnly(ClaimOutcome.DUPLICATE);
        }
    }
}
