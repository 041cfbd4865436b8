package io.github.kdedup.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.Origin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MicrometerDedupMetricsTest {

    private static final Origin HERE = new Origin("orders", 0, 7);
    private static final Origin ELSEWHERE = new Origin("orders", 1, 3);

    private static ClaimRequest request(String fingerprint) {
        return new ClaimRequest("ns", "k", HERE, "c", fingerprint, Duration.ofMinutes(1));
    }

    private static ExistingRecord existing(ClaimState state, Origin origin, String fingerprint) {
        return new ExistingRecord(state, origin, "other", fingerprint);
    }

    @Test
    @DisplayName(
            "counts claims by outcome, duplicates by cause, takeovers and mismatches; registers only what it counted")
    void shouldCountEveryClaimOnItsMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerDedupMetrics metrics = MicrometerDedupMetrics.of(registry);

        metrics.claimed("ns", ClaimResult.claimed(request(null), "t1"));
        metrics.claimed("ns", ClaimResult.claimed(request(null), "t2"));
        assertThat(registry.get("kdedup.claims")
                        .tag("outcome", "claimed")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.find("kdedup.duplicates").counter()).isNull();
        assertThat(registry.find("kdedup.lease.takeovers").counter()).isNull();

        metrics.claimed("ns", ClaimResult.duplicate(request("f1"), existing(ClaimState.COMPLETED, HERE, "f1")));
        metrics.claimed("ns", ClaimResult.duplicate(request("f1"), existing(ClaimState.COMPLETED, ELSEWHERE, "f2")));
        metrics.claimed("ns", ClaimResult.reclaimed(request(null), "t3", existing(ClaimState.IN_PROGRESS, HERE, null)));
        metrics.claimed("other-ns", ClaimResult.claimed(request(null), "t4"));

        assertThat(registry.get("kdedup.claims")
                        .tag("namespace", "ns")
                        .tag("outcome", "duplicate")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("kdedup.claims")
                        .tag("outcome", "reclaimed")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("kdedup.duplicates")
                        .tag("cause", "redelivered")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("kdedup.duplicates")
                        .tag("cause", "republished")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("kdedup.duplicates")
                        .tag("cause", "retried")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("kdedup.lease.takeovers").counter().count()).isEqualTo(1);
        assertThat(registry.get("kdedup.fingerprint.mismatches").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("kdedup.claims")
                        .tag("namespace", "other-ns")
                        .tag("outcome", "claimed")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("kdedup.claims")
                        .tag("namespace", "ns")
                        .tag("outcome", "claimed")
                        .counter()
                        .count())
                .isEqualTo(2);
    }
}
