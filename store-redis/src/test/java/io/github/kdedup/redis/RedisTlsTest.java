package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisTlsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS with the user's trust, against real TLS servers with a private CA: one that accepts any
 * client, one that demands a client certificate. Wrong trust fails at open with an error that names
 * TLS, well before any timeout.
 */
class RedisTlsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static RedisTlsServer open;
    private static RedisTlsServer mutual;

    @BeforeAll
    static void start() {
        open = RedisTlsServer.start(false);
        mutual = RedisTlsServer.start(true);
    }

    @AfterAll
    static void stop() {
        if (open != null) {
            open.close();
        }
        if (mutual != null) {
            mutual.close();
        }
    }

    private static RedisStoreBuilder tls(String host, RedisTlsServer server) {
        return RedisStores.builder().standalone(host, server.port()).ssl(true).timeout(TIMEOUT);
    }

    private static void assertClaims(RedisIdempotencyStore store) {
        ClaimRequest request = new ClaimRequest(
                "tls", "k-" + System.nanoTime(), new Origin("t", 0, 1), "c1", null, Duration.ofMinutes(1));
        assertThat(store.claim(List.of(request)).get(0).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
    }

    @Test
    @DisplayName("a CA certificate in PEM, or a trust store, makes the store trust a private CA")
    void shouldTrustPrivateCa() {
        try (RedisIdempotencyStore store =
                RedisStores.open("rediss://localhost:" + open.port() + "?caCert=" + open.caCert())) {
            assertClaims(store);
        }
        try (RedisIdempotencyStore store = tls("localhost", open)
                .trustStore(open.trustStore(), RedisTlsServer.STORE_PASSWORD)
                .build()) {
            assertClaims(store);
        }
    }

    @Test
    @DisplayName("the wrong CA fails at open with an error that names TLS and the CA, not a timeout")
    void shouldRejectServerSignedByAnotherCa() {
        long start = System.nanoTime();
        assertThatThrownBy(
                        () -> tls("localhost", open).caCert(open.otherCaCert()).build())
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("open failed")
                .hasMessageContaining("TLS handshake failed")
                .hasMessageContaining("caCert")
                .hasMessageNotContaining("timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT);
        assertThatThrownBy(() -> RedisStores.open("rediss://localhost:" + open.port() + "?timeout=PT5S"))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("TLS handshake failed");
    }

    @Test
    @DisplayName("host names are verified by default; verifyHostname=false accepts a certificate without the host")
    void shouldVerifyHostNameUnlessSwitchedOff() {
        // The server certificate names localhost only, not 127.0.0.1.
        assertThatThrownBy(() -> tls("127.0.0.1", open).caCert(open.caCert()).build())
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("TLS handshake failed")
                .hasMessageContaining("verifyHostname");
        try (RedisIdempotencyStore store = RedisStores.open(
                "rediss://127.0.0.1:" + open.port() + "?caCert=" + open.caCert() + "&verifyHostname=false")) {
            assertClaims(store);
        }
    }

    @Test
    @DisplayName("mutual TLS works with a PEM certificate and key or a key store, and fails clearly without them")
    void shouldPresentClientCertificate() {
        try (RedisIdempotencyStore store = tls("localhost", mutual)
                .caCert(mutual.caCert())
                .clientCertificate(mutual.clientCert(), mutual.clientKey())
                .build()) {
            assertClaims(store);
        }
        try (RedisIdempotencyStore store = RedisStores.open("rediss://localhost:" + mutual.port() + "?caCert="
                + mutual.caCert() + "&keyStore=" + mutual.clientKeyStore() + "&keyStorePassword="
                + RedisTlsServer.STORE_PASSWORD)) {
            assertClaims(store);
        }
        assertThatThrownBy(
                        () -> tls("localhost", mutual).caCert(mutual.caCert()).build())
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("open failed")
                .satisfies(
                        e -> assertThat(e.getMessage()).containsAnyOf("TLS handshake failed", "lost the connection"));
    }

    @Test
    @DisplayName(
            "a CA file that is missing or not a certificate, or TLS files without TLS, fail at open naming the setting")
    void shouldRejectBadTlsFiles(@TempDir Path dir) throws Exception {
        Path notACert = Files.writeString(dir.resolve("ca.pem"), "hello");
        String base = "rediss://localhost:" + open.port();

        assertThatThrownBy(() -> RedisStores.open(base + "?caCert=" + dir.resolve("missing.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("caCert")
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> RedisStores.open(base + "?caCert=" + notACert))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("caCert")
                .hasMessageContaining("not a PEM");
        assertThatThrownBy(() -> RedisStores.open(
                        base + "?trustStore=" + open.trustStore() + "&trustStorePassword=wrong-Secret-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustStore")
                .hasMessageNotContaining("wrong-Secret-1");
        assertThatThrownBy(() -> RedisStores.open(base + "?clientCert=" + open.clientCert()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientKey");
        assertThatThrownBy(() -> RedisStores.open("redis://localhost:" + open.port() + "?caCert=" + open.caCert()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rediss://");
    }
}
