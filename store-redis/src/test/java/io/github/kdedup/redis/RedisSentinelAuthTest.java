package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisSentinelGroup;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Sentinels that require a password of their own ({@code requirepass} in the sentinel
 * configuration; the data nodes have none): the right {@code sentinelPassword} opens the store, a
 * wrong or missing one fails at open with a message that names the setting and never the password.
 */
class RedisSentinelAuthTest {

    private static final String PASSWORD = "sentinel-Secret-4711";
    private static final String WRONG = "not-the-Password-0815";
    private static final Duration LONG = Duration.ofHours(1);

    private static RedisSentinelGroup group;

    @BeforeAll
    static void startGroup() {
        group = RedisSentinelGroup.start(PASSWORD);
    }

    @AfterAll
    static void stopGroup() {
        if (group != null) {
            group.close();
        }
    }

    @Test
    @DisplayName("the right sentinelPassword: the store finds the master and answers")
    void shouldOpenWithTheSentinelPassword() {
        try (RedisIdempotencyStore store = RedisStores.open(group.uri() + "&sentinelPassword=" + PASSWORD)) {
            List<ClaimResult> claimed =
                    store.claim(List.of(new ClaimRequest("auth", "k1", new Origin("orders", 0, 1), "c1", null, LONG)));
            assertThat(claimed).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
            assertThat(store.complete(List.of(claimed.get(0).claim()), LONG)).containsOnly(true);
            assertThat(store.description()).doesNotContain(PASSWORD);
        }
        try (RedisIdempotencyStore store = RedisStores.builder()
                .sentinel(
                        RedisSentinelGroup.MASTER_NAME,
                        group.sentinelPorts().stream()
                                .map(p -> new redis.clients.jedis.HostAndPort("127.0.0.1", p))
                                .toList())
                .sentinelCredentials(null, PASSWORD)
                .build()) {
            assertThat(store.claim(
                            List.of(new ClaimRequest("auth", "k2", new Origin("orders", 0, 2), "c1", null, LONG))))
                    .extracting(ClaimResult::outcome)
                    .containsOnly(ClaimOutcome.CLAIMED);
        }
    }

    @Test
    @DisplayName(
            "a wrong sentinelPassword fails at open, naming sentinelPassword and what to do, without the " + "password")
    void shouldRefuseAWrongSentinelPassword() {
        assertThatThrownBy(() -> RedisStores.open(group.uri() + "&sentinelPassword=" + WRONG + "&timeout=PT1S"))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("open failed")
                .hasMessageContaining("sentinelPassword")
                .satisfies(e -> assertThat(everything(e)).doesNotContain(WRONG).doesNotContain(PASSWORD));
    }

    @Test
    @DisplayName("no sentinelPassword for sentinels that require one fails at open, naming sentinelPassword")
    void shouldRefuseAMissingSentinelPassword() {
        assertThatThrownBy(() -> RedisStores.open(group.uri() + "&timeout=PT1S"))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("open failed")
                .hasMessageContaining("sentinelPassword")
                .satisfies(e -> assertThat(everything(e)).doesNotContain(PASSWORD));
    }

    private static String everything(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
