package io.github.kdedup.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the memory store does beyond the contract: exact expiry, the bound, its URIs. */
class MemoryIdempotencyStoreTest {

    private final AtomicLong nanos = new AtomicLong();

    private static ClaimRequest request(String key, long offset, Duration lease) {
        return new ClaimRequest("ns", key, new Origin("t", 0, offset), "c1", null, lease);
    }

    @Test
    @DisplayName("a lease protects its key until exactly claim time + lease, by the injected ticker")
    void shouldExpireExactlyAtLease() {
        try (MemoryIdempotencyStore store =
                MemoryIdempotencyStore.builder().ticker(nanos::get).build()) {
            store.claim(List.of(request("k", 1, Duration.ofSeconds(10))));

            nanos.addAndGet(Duration.ofSeconds(10).toNanos() - 1);
            assertThat(store.claim(List.of(request("k", 2, Duration.ofSeconds(10))))
                            .get(0)
                            .outcome())
                    .isEqualTo(ClaimOutcome.DUPLICATE);

            nanos.addAndGet(1);
            assertThat(store.claim(List.of(request("k", 2, Duration.ofSeconds(10))))
                            .get(0)
                            .outcome())
                    .isEqualTo(ClaimOutcome.CLAIMED);
        }
    }

    @Test
    @DisplayName("the wall clock does not decide expiry: without ticks nothing expires")
    void shouldIgnoreWallClock() throws InterruptedException {
        try (MemoryIdempotencyStore store =
                MemoryIdempotencyStore.builder().ticker(nanos::get).build()) {
            store.claim(List.of(request("k", 1, Duration.ofMillis(1))));
            Thread.sleep(20);
            assertThat(store.claim(List.of(request("k", 2, Duration.ofMillis(1))))
                            .get(0)
                            .outcome())
                    .isEqualTo(ClaimOutcome.DUPLICATE);
        }
    }

    @Test
    @DisplayName("a full cache evicts unexpired records and counts every eviction")
    void shouldCountEvictions() {
        try (MemoryIdempotencyStore store = MemoryIdempotencyStore.builder()
                .maximumSize(100)
                .ticker(nanos::get)
                .build()) {
            List<ClaimRequest> batch = IntStream.range(0, 1_000)
                    .mapToObj(i -> request("k" + i, i, Duration.ofHours(1)))
                    .collect(Collectors.toList());
            List<ClaimResult> results = store.claim(batch);

            assertThat(results).allMatch(r -> r.outcome() == ClaimOutcome.CLAIMED);
            assertThat(store.size()).isLessThanOrEqualTo(100);
            assertThat(store.evictions()).isEqualTo(1_000 - store.size());
        }
    }

    @Test
    @DisplayName("expired records removed by the cache are not counted as evictions")
    void shouldNotCountExpiry() {
        try (MemoryIdempotencyStore store = MemoryIdempotencyStore.builder()
                .maximumSize(10)
                .ticker(nanos::get)
                .build()) {
            for (int round = 0; round < 5; round++) {
                int base = round * 10;
                store.claim(IntStream.range(0, 10)
                        .mapToObj(i -> request("k" + (base + i), base + i, Duration.ofSeconds(1)))
                        .collect(Collectors.toList()));
                nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            }
            assertThat(store.evictions()).isZero();
        }
    }

    @Test
    @DisplayName("opens from memory: and memory:?maximumSize=N through the ServiceLoader")
    void shouldOpenFromUri() {
        try (IdempotencyStore store = IdempotencyStores.open("memory:")) {
            assertThat(store).isInstanceOf(MemoryIdempotencyStore.class);
            assertThat(store.description()).contains("maximumSize=" + MemoryIdempotencyStore.DEFAULT_MAXIMUM_SIZE);
        }
        try (IdempotencyStore store = IdempotencyStores.open("memory:?maximumSize=42")) {
            assertThat(store.description()).contains("maximumSize=42");
        }
    }

    @Test
    @DisplayName("rejects unknown parameters and bad sizes with the accepted values")
    void shouldRejectBadUris() {
        assertThatThrownBy(() -> IdempotencyStores.open("memory:?maxSize=1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSize")
                .hasMessageContaining("maximumSize");
        assertThatThrownBy(() -> IdempotencyStores.open("memory:?maximumSize=0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 1");
        assertThatThrownBy(() -> IdempotencyStores.open("memory:?maximumSize=lots"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lots");
        assertThatThrownBy(() -> IdempotencyStores.open("memory://somewhere"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory:");
    }

    @Test
    @DisplayName("an unknown scheme names the module to add and the schemes available")
    void shouldExplainUnknownScheme() {
        assertThatThrownBy(() -> IdempotencyStores.open("redis://localhost:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kdedup-store-redis")
                .hasMessageContaining("memory");
        assertThatThrownBy(() -> IdempotencyStores.open("mongodb://x:secret@host/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("known schemes")
                .hasMessageNotContaining("secret");
    }
}
