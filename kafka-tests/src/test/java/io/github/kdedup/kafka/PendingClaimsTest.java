package io.github.kdedup.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimState;
import io.github.kdedup.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The commit rule on records built in memory; the interceptor's broker tests cover it end to end. */
@DisplayName("PendingClaims: the commit rule")
class PendingClaimsTest {

    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    private static final TopicPartition P1 = new TopicPartition("orders", 1);

    private final FaultyMemoryStore store = new FaultyMemoryStore("pending-" + UUID.randomUUID());
    private final String namespace = "ns-" + UUID.randomUUID().toString().substring(0, 8);
    private final DedupEngine engine = DedupEngine.create(
            store, DedupConfig.builder().namespace(namespace).build(), DedupEngine.newOwner("test", "consumer"));
    private final PendingClaims pending = new PendingClaims(engine);

    @AfterEach
    void close() {
        store.close();
    }

    private static ConsumerRecord<String, String> record(TopicPartition tp, long offset) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("event-id", (tp.partition() + "-" + offset).getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(
                tp.topic(),
                tp.partition(),
                offset,
                0L,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                null,
                "v",
                headers,
                Optional.empty());
    }

    private void claim(TopicPartition tp, long... offsets) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (long offset : offsets) {
            records.add(record(tp, offset));
        }
        pending.track(Map.of(tp, engine.decide(records)));
    }

    private Optional<ClaimState> state(TopicPartition tp, long offset) {
        return store.find(namespace, tp.partition() + "-" + offset).map(StoredRecord::state);
    }

    @Test
    @DisplayName("a commit completes the claims below the committed offset and keeps the others")
    void shouldCompleteBelowTheCommittedOffset() {
        claim(P0, 0, 1, 2);
        pending.committed(Map.of(P0, new OffsetAndMetadata(2)));
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 2)).contains(ClaimState.IN_PROGRESS);
        assertThat(pending.size()).isEqualTo(1);
    }

    @Test
    @DisplayName("a completion that failed at commit is retried at the next commit, and never released")
    void shouldRetryAFailedCompletionAtTheNextCommit() {
        claim(P0, 0, 1);
        claim(P1, 0);
        store.available(false);
        pending.committed(Map.of(P0, new OffsetAndMetadata(2)));
        store.available(true);
        assertThat(pending.size()).isEqualTo(3);
        pending.committed(Map.of(P1, new OffsetAndMetadata(0)));
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).contains(ClaimState.COMPLETED);
        assertThat(state(P1, 0)).contains(ClaimState.IN_PROGRESS);
    }

    @Test
    @DisplayName("close completes committed claims and releases only those at or above the committed offset")
    void shouldReleaseOnlyAboveTheCommittedOffsetAtClose() {
        claim(P0, 0, 1, 2, 3);
        store.available(false);
        pending.committed(Map.of(P0, new OffsetAndMetadata(2)));
        store.available(true);
        pending.close();
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 2))
                .as("released, so the redelivery claims it afresh")
                .isEmpty();
        assertThat(state(P0, 3)).isEmpty();
        assertThat(pending.size()).isZero();
    }

    @Test
    @DisplayName("a store still down at close leaves committed claims in progress until their lease")
    void shouldLeaveCommittedClaimsInProgressWhenTheStoreIsDownAtClose() {
        claim(P0, 0, 1);
        store.available(false);
        pending.committed(Map.of(P0, new OffsetAndMetadata(1)));
        pending.close();
        store.available(true);
        assertThat(state(P0, 0)).contains(ClaimState.IN_PROGRESS);
        assertThat(state(P0, 1)).contains(ClaimState.IN_PROGRESS);
        assertThat(pending.size()).isZero();
    }

    @Test
    @DisplayName("a revoked partition settles its own claims by the same rule; the others stay held")
    void shouldSettleRevokedPartitions() {
        claim(P0, 0, 1);
        claim(P1, 0);
        pending.committed(Map.of(P0, new OffsetAndMetadata(1)));
        pending.revoked(List.of(P0));
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).isEmpty();
        assertThat(state(P1, 0)).contains(ClaimState.IN_PROGRESS);
        assertThat(pending.size()).isEqualTo(1);
    }

    @Test
    @DisplayName("a partition read again from an earlier offset forgets its uncommitted claims from there")
    void shouldForgetRewoundClaims() {
        claim(P0, 5, 6, 7);
        pending.rewound(P0, 6);
        assertThat(pending.size()).isEqualTo(1);
    }
}
