package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.IdempotencyStoreContract;
import io.github.kdedup.tck.Redis62Binary;
import io.github.kdedup.tck.RedisServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The Redis store passes the contract on a real Redis 6.2 server (no {@code SET NX GET}), started by
 * this class from the binary of {@link Redis62Binary} and stopped after it: claims go through the
 * {@code CLAIM} script, with the same answers.
 */
class Redis62StoreContractTest extends IdempotencyStoreContract {

    private static RedisServerProcess server;

    @BeforeAll
    static void startServer() {
        server = RedisServerProcess.startBinary(Redis62Binary.path());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected IdempotencyStore openStore() {
        return RedisStores.open(server.uri() + "?poolSize=8");
    }

    @Test
    @DisplayName("on Redis 6.2 a batch of 500 claims is one script call, and answers as SET NX GET would")
    void shouldClaimThroughOneScriptCallOnRedis62() {
        try (RedisIdempotencyStore store = RedisStores.open(server.uri() + "?keyPrefix=v62");
                Jedis probe = new Jedis("127.0.0.1", server.port())) {
            assertThat(probe.info("server")).contains("redis_version:6.2.");
            List<ClaimRequest> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add(new ClaimRequest("v62", "k" + i, new Origin("t", 0, i), "c1", null, Duration.ofMinutes(5)));
            }
            // Loads the CLAIM and RECLAIM scripts, so that no NOSCRIPT round is counted below.
            store.claim(List.of(batch.get(0)));
            store.claim(List.of(batch.get(0)));
            probe.configResetStat();

            List<ClaimResult> results = store.claim(batch);

            assertThat(results.get(0).outcome()).isEqualTo(ClaimOutcome.RECLAIMED);
            assertThat(results.subList(1, 500)).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
            String stats = probe.info("commandstats");
            assertThat(stats).contains("cmdstat_evalsha:calls=2,"); // the claim, then the one reclaim
            assertThat(stats).doesNotContain("cmdstat_eval:");
        }
    }
}
