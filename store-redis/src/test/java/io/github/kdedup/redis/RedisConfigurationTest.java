package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisServerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad URIs, bad credentials, unreachable and misconfigured servers: clear errors, never a password. */
class RedisConfigurationTest {

    private static final String SECRET = "s3cret-Pw-42";

    private static ClaimRequest request(String key, long offset) {
        return new ClaimRequest(
                "cfg", key, new Origin("orders", 0, offset), "o".repeat(200), null, Duration.ofHours(1));
    }

    private static String everything(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "redis://",
                "redis://127.0.0.1:notaport",
                "redis://127.0.0.1:70000",
                "redis://127.0.0.1:6379/zero",
                "redis://a:1,b:2",
                "redis-cluster://127.0.0.1:7000/0",
                "redis://127.0.0.1:6379?bogus=1",
                "redis://127.0.0.1:6379?poolSize=0",
                "redis://127.0.0.1:6379?keyPrefix={tag}",
                "redis://127.0.0.1:6379?timeout=soon",
                "redis://user:" + SECRET + "@127.0.0.1:port",
            })
    @DisplayName("a malformed URI is an IllegalArgumentException that says what was wrong, without the password")
    void shouldRejectMalformedUris(String uri) {
        assertThatThrownBy(() -> IdempotencyStores.open(uri))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad Redis store URI")
                .hasMessageContaining("redis://[user:password@]host:port")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    @DisplayName("a wrong or missing password is a store exception that names the server and says to check credentials")
    void shouldReportWrongPassword() {
        try (RedisServerProcess server = RedisServerProcess.start("--requirepass", SECRET)) {
            String wrong = "redis://:wrong-" + SECRET + "@127.0.0.1:" + server.port();
            assertThatThrownBy(() -> IdempotencyStores.open(wrong))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("127.0.0.1:" + server.port())
                    .hasMessageContaining("authentication failed")
                    .satisfies(e -> assertThat(everything(e)).doesNotContain(SECRET));
            assertThatThrownBy(() -> IdempotencyStores.open(server.uri()))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("authentication failed");

            try (IdempotencyStore store =
                    IdempotencyStores.open("redis://:" + SECRET + "@127.0.0.1:" + server.port())) {
                assertThat(store.claim(List.of(request("k", 1))).get(0).outcome())
                        .isEqualTo(ClaimOutcome.CLAIMED);
                assertThat(store.toString()).doesNotContain(SECRET).contains("****");
                assertThat(store.description()).doesNotContain(SECRET);
            }
        }
    }

    @Test
    @DisplayName("an unreachable port is a store exception that says the connection was refused")
    void shouldReportRefusedConnection() throws Exception {
        int port = RedisServerProcess.freePort();
        assertThatThrownBy(() -> IdempotencyStores.open("redis://u:" + SECRET + "@127.0.0.1:" + port))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("connection refused")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    @DisplayName("an evicting maxmemory-policy gives a warning; noeviction and a disabled CONFIG give none")
    void shouldWarnAboutEviction() {
        try (RedisServerProcess lru = RedisServerProcess.start("--maxmemory-policy", "allkeys-lru");
                RedisIdempotencyStore store = RedisStores.open(lru.uri())) {
            assertThat(store.evictionWarning())
                    .hasValueSatisfying(
                            w -> assertThat(w).contains("allkeys-lru").contains("noeviction"));
        }
        try (RedisServerProcess safe = RedisServerProcess.start("--maxmemory-policy", "noeviction");
                RedisIdempotencyStore store = RedisStores.open(safe.uri())) {
            assertThat(store.evictionWarning()).isEmpty();
        }
        try (RedisServerProcess noConfig = RedisServerProcess.start(
                        "--maxmemory-policy", "allkeys-lru", "--rename-command", "CONFIG", "");
                RedisIdempotencyStore store = RedisStores.open(noConfig.uri())) {
            assertThat(store.evictionWarning()).isEmpty();
            assertThat(store.claim(List.of(request("k", 1))).get(0).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
        }
    }

    @Test
    @DisplayName("a full server (OOM) is a store exception that says Redis is out of memory")
    void shouldReportOutOfMemory() {
        try (RedisServerProcess server = RedisServerProcess.start("--maxmemory", "3mb");
                RedisIdempotencyStore store = RedisStores.open(server.uri())) {
            assertThatThrownBy(() -> {
                        for (int batch = 0; batch < 50; batch++) {
                            List<ClaimRequest> requests = new ArrayList<>();
                            for (int i = 0; i < 2_000; i++) {
                                requests.add(request("b" + batch + "-" + i, i));
                            }
                            store.claim(requests);
                        }
                    })
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("out of memory");
        }
    }

    @Test
    @DisplayName("a read-only replica is a store exception that says to point the URI at the master")
    void shouldReportReadOnlyReplica() {
        try (RedisServerProcess master = RedisServerProcess.start();
                RedisServerProcess replica =
                        RedisServerProcess.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
                RedisIdempotencyStore store = RedisStores.open(replica.uri())) {
            assertThatThrownBy(() -> store.claim(List.of(request("k", 1))))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("read-only replica")
                    .hasMessageContaining("master");
        }
    }
}
