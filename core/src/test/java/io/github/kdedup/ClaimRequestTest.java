package io.github.kdedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClaimRequestTest {

    private static final Origin ORIGIN = new Origin("orders", 0, 1);

    private static ClaimRequest request(String namespace, String key, Duration lease) {
        return new ClaimRequest(namespace, key, ORIGIN, "c1", null, lease);
    }

    @Test
    @DisplayName("rejects a zero, negative, sub-millisecond or huge lease, naming the value")
    void shouldRejectBadLease() {
        assertThatThrownBy(() -> request("ns", "k", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease")
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> request("ns", "k", Duration.ofSeconds(-5)))
                .hasMessageContaining("lease must be between 1 ms");
        assertThatThrownBy(() -> request("ns", "k", Duration.ofNanos(999_999))).hasMessageContaining("lease");
        assertThatThrownBy(() -> request("ns", "k", Duration.ofDays(2))).hasMessageContaining("PT48H");
        assertThat(request("ns", "k", Duration.ofMillis(1)).lease()).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    @DisplayName("rejects empty keys, U+0000, unpaired surrogates and keys over 512 bytes")
    void shouldRejectBadKeys() {
        assertThatThrownBy(() -> request("ns", "", Duration.ofMinutes(1)))
                .hasMessageContaining("key must not be empty");
        assertThatThrownBy(() -> request("ns", "a\u0000b", Duration.ofMinutes(1)))
                .hasMessageContaining("U+0000");
        assertThatThrownBy(() -> request("ns", "a\ud800b", Duration.ofMinutes(1)))
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> request("ns", "é".repeat(257), Duration.ofMinutes(1)))
                .hasMessageContaining("514 UTF-8 bytes")
                .hasMessageContaining("hash");
        assertThat(request("ns", "é".repeat(256), Duration.ofMinutes(1)).key()).hasSize(256);
    }

    @Test
    @DisplayName("rejects empty and over-long namespaces, owners and fingerprints")
    void shouldRejectBadComponents() {
        assertThatThrownBy(() -> request("", "k", Duration.ofMinutes(1))).hasMessageContaining("namespace");
        assertThatThrownBy(() -> request("n".repeat(129), "k", Duration.ofMinutes(1)))
                .hasMessageContaining("namespace is 129 UTF-8 bytes");
        assertThatThrownBy(() -> new ClaimRequest("ns", "k", ORIGIN, "", null, Duration.ofMinutes(1)))
                .hasMessageContaining("owner");
        assertThatThrownBy(() -> new ClaimRequest("ns", "k", ORIGIN, "c", "", Duration.ofMinutes(1)))
                .hasMessageContaining("fingerprint");
    }

    @Test
    @DisplayName(
            "checks each new namespace, owner and topic, also after an accepted one (the check is skipped by identity only)")
    void shouldCheckEveryNewText() {
        Duration lease = Duration.ofMinutes(1);
        String owner = new String("consumer-1");
        Origin origin = new Origin(new String("orders"), 0, 1);
        ClaimRequest first = new ClaimRequest(new String("ns"), "k1", origin, owner, null, lease);
        // The same objects again: accepted without a second scan.
        assertThat(new ClaimRequest(first.namespace(), "k2", origin, owner, null, lease).owner())
                .isSameAs(owner);
        // Equal-looking and bad texts right after: each is a new object, so each is checked.
        assertThatThrownBy(() -> new ClaimRequest("ns\u0000", "k3", origin, owner, null, lease))
                .hasMessageContaining("namespace");
        assertThatThrownBy(() -> new ClaimRequest(first.namespace(), "k3", origin, "consumer-1\uD800", null, lease))
                .hasMessageContaining("owner")
                .hasMessageContaining("index 10");
        assertThatThrownBy(() -> new ClaimRequest(first.namespace(), "k3", origin, "", null, lease))
                .hasMessageContaining("owner must have 1 to");
        assertThatThrownBy(() -> new Origin("orders\u0000", 0, 1)).hasMessageContaining("origin topic");
        assertThatThrownBy(() -> new Origin("", 0, 1)).hasMessageContaining("origin topic");
        assertThatThrownBy(() -> new ClaimRequest(null, "k", origin, owner, null, lease))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("namespace must not be null");
        assertThatThrownBy(() -> new ClaimRequest(first.namespace(), "k", origin, null, null, lease))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    @DisplayName(
            "rejects text no store can keep (U+0000, unpaired surrogates) in owner, topic and fingerprint, naming field and position")
    void shouldRejectUnstorableText() {
        Duration lease = Duration.ofMinutes(1);
        for (String bad : new String[] {"ab\u0000c", "ab\uD800c", "ab\uDC00c"}) {
            assertThatThrownBy(() -> new ClaimRequest("ns", "k", ORIGIN, bad, null, lease))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("owner")
                    .hasMessageContaining("index 2");
            assertThatThrownBy(() -> new ClaimRequest("ns", "k", ORIGIN, "c", bad, lease))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fingerprint")
                    .hasMessageContaining("index 2");
            assertThatThrownBy(() -> new Origin(bad, 0, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("origin topic")
                    .hasMessageContaining("index 2");
            assertThatThrownBy(() -> new ClaimRequest("ns", bad, ORIGIN, "c", null, lease))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("key")
                    .hasMessageContaining("index 2");
            assertThatThrownBy(() -> new ClaimRequest(bad, "k", ORIGIN, "c", null, lease))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("namespace")
                    .hasMessageContaining("index 2");
        }
        assertThat(new ClaimRequest("ns", "k", new Origin("t\uD83D\uDE00", 0, 1), "c\uD83D\uDE00", "f", lease).owner())
                .as("a paired surrogate (an emoji) is fine")
                .isEqualTo("c\uD83D\uDE00");
    }

    @Test
    @DisplayName("hashes only keys over the limit, to sha256: plus 64 hex digits")
    void shouldHashLongKeys() {
        assertThat(IdempotencyKeys.hashIfLong("short")).isEqualTo("short");
        String hashed = IdempotencyKeys.hashIfLong("x".repeat(513));
        assertThat(hashed).startsWith("sha256:").hasSize(7 + 64);
        assertThat(IdempotencyKeys.hashIfLong("x".repeat(513))).isEqualTo(hashed);
        assertThatThrownBy(() -> IdempotencyKeys.hashIfLong("x".repeat(600) + "\u0000"))
                .hasMessageContaining("U+0000");
    }

    @Test
    @DisplayName("counts UTF-8 bytes like the encoder")
    void shouldCountUtf8Bytes() {
        for (String text : new String[] {"", "abc", "é", "鍵", "🔑", "a🔑é鍵"}) {
            assertThat(IdempotencyKeys.utf8Length(text))
                    .isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
    }

    @Test
    @DisplayName("origins print and parse as topic-partition@offset, topics with dashes included")
    void shouldFormatOrigins() {
        Origin origin = new Origin("my-orders", 3, 1042);
        assertThat(origin).hasToString("my-orders-3@1042");
        assertThat(Origin.parse("my-orders-3@1042")).isEqualTo(origin);
        assertThatThrownBy(() -> Origin.parse("orders@x")).hasMessageContaining("topic-partition@offset");
        assertThatThrownBy(() -> new Origin("t", -1, 0)).hasMessageContaining("partition");
    }
}
