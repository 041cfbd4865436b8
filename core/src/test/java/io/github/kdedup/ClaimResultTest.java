package io.github.kdedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClaimResultTest {

    private static final Origin HERE = new Origin("orders", 2, 517);
    private static final Origin THERE = new Origin("orders", 2, 311);

    private static ClaimRequest request(String fingerprint) {
        return new ClaimRequest("ns", "event-1", HERE, "c2", fingerprint, Duration.ofMinutes(1));
    }

    @Test
    @DisplayName("names the cause: republished for another origin, redelivered for the same, retried for a reclaim")
    void shouldNameCause() {
        assertThat(ClaimResult.claimed(request(null), "t").cause()).isEmpty();
        assertThat(ClaimResult.duplicate(request(null), new ExistingRecord(ClaimState.COMPLETED, THERE, "c1", null))
                        .cause())
                .contains(DuplicateCause.REPUBLISHED);
        assertThat(ClaimResult.duplicate(request(null), new ExistingRecord(ClaimState.COMPLETED, HERE, "c1", null))
                        .cause())
                .contains(DuplicateCause.REDELIVERED);
        assertThat(ClaimResult.reclaimed(
                                request(null), "t2", new ExistingRecord(ClaimState.IN_PROGRESS, HERE, "c1", null))
                        .cause())
                .contains(DuplicateCause.RETRIED);
    }

    @Test
    @DisplayName("reports a fingerprint mismatch only when both fingerprints exist and differ")
    void shouldDetectMismatch() {
        ExistingRecord withA = new ExistingRecord(ClaimState.COMPLETED, THERE, "c1", "a");
        assertThat(ClaimResult.duplicate(request("b"), withA).fingerprintMismatch())
                .isTrue();
        assertThat(ClaimResult.duplicate(request("a"), withA).fingerprintMismatch())
                .isFalse();
        assertThat(ClaimResult.duplicate(request(null), withA).fingerprintMismatch())
                .isFalse();
    }

    @Test
    @DisplayName("holds no claim for a duplicate, and never prints the token")
    void shouldGuardClaim() {
        ClaimResult duplicate =
                ClaimResult.duplicate(request(null), new ExistingRecord(ClaimState.COMPLETED, THERE, "c1", null));
        assertThatThrownBy(duplicate::claim).isInstanceOf(IllegalStateException.class);
        assertThat(duplicate).hasToString("DUPLICATE ns/event-1 at orders-2@517 of orders-2@311 (COMPLETED by c1)");
        ClaimResult claimed = ClaimResult.claimed(request(null), "secret-token");
        assertThat(claimed.claim().token()).isEqualTo("secret-token");
        assertThat(claimed.toString()).doesNotContain("secret-token");
        assertThat(claimed.claim().toString()).doesNotContain("secret-token");
    }
}
