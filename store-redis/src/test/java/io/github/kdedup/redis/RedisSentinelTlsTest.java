package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.RedisServerProcess;
import io.github.kdedup.tck.RedisTlsServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code rediss-sentinel://}: a TLS master ({@link RedisTlsServer}) watched by a sentinel that
 * speaks only TLS too ({@code port 0}, {@code tls-port}), both with a certificate for {@code
 * localhost} from the test CA. The store reaches the sentinel and the master over TLS with host
 * names verified; with a CA that signed neither, opening fails.
 */
class RedisSentinelTlsTest {

    private static final String MASTER = "kdedup-tls";
    private static final Duration LONG = Duration.ofHours(1);

    @Test
    @DisplayName("TLS to the sentinel and the master: the store answers with the right CA and fails at open "
            + "with another")
    void shouldSpeakTlsToSentinelsAndMaster() throws Exception {
        try (RedisTlsServer master = RedisTlsServer.start(false)) {
            Path dir = Files.createTempDirectory("kdedup-sentinel-tls-");
            int port = RedisServerProcess.freePort();
            Path conf = dir.resolve("sentinel.conf");
            Files.writeString(
                    conf,
                    String.join(
                            "\n",
                            "port 0",
                            "tls-port " + port,
                            "bind 127.0.0.1",
                            "dir " + dir,
                            "logfile " + dir.resolve("sentinel.log"),
                            "tls-cert-file " + master.serverCert(),
                            "tls-key-file " + master.serverKey(),
                            "tls-ca-cert-file " + master.caCert(),
                            "tls-auth-clients no",
                            // The sentinel talks to the master over TLS too.
                            "tls-replication yes",
                            // The certificates name localhost: the sentinel must announce the name, not 127.0.0.1.
                            "sentinel resolve-hostnames yes",
                            "sentinel announce-hostnames yes",
                            "sentinel monitor " + MASTER + " localhost " + master.port() + " 1",
                            ""));
            Process sentinel = new ProcessBuilder("redis-server", conf.toString(), "--sentinel")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
            try {
                awaitListening(port, sentinel);
                String uri = "rediss-sentinel://localhost:" + port + "?masterName=" + MASTER + "&timeout=PT2S&caCert="
                        + master.caCert();
                RedisIdempotencyStore store = openWithin(uri, Duration.ofSeconds(15));
                try (store) {
                    List<ClaimResult> claimed = store.claim(
                            List.of(new ClaimRequest("tls", "k1", new Origin("orders", 0, 1), "c1", null, LONG)));
                    assertThat(claimed).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
                    assertThat(store.complete(List.of(claimed.get(0).claim()), LONG))
                            .containsOnly(true);
                }
                assertThatThrownBy(() -> RedisStores.open("rediss-sentinel://localhost:" + port + "?masterName="
                                + MASTER + "&timeout=PT1S&caCert=" + master.otherCaCert()))
                        .isInstanceOf(IdempotencyStoreException.class)
                        .hasMessageContaining("open failed")
                        .hasMessageContaining("caCert/trustStore");
            } finally {
                sentinel.destroyForcibly();
                sentinel.waitFor(10, TimeUnit.SECONDS);
                try (var paths = Files.walk(dir)) {
                    paths.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** The sentinel names the master only once it has reached it: retry opening for a while. */
    private static RedisIdempotencyStore openWithin(String uri, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try {
                return RedisStores.open(uri);
            } catch (IdempotencyStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static void awaitListening(int port, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                new Socket("127.0.0.1", port).close(); // the port accepts connections: listening
                return;
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the TLS sentinel did not start on port " + port, e);
                }
                Thread.sleep(50);
            }
        }
    }
}
