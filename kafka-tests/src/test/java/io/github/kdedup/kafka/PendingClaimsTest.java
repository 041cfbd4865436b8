package io.github.kdedup.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimState;
import io.github.kdedup.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    @Test
    @DisplayName("handled claims are completed before the commit; the others stay held")
    void shouldCompleteHandledClaimsBeforeTheCommit() {
        claim(P0, 0, 1, 2);
        pending.handled(P0, 0);
        pending.handled(P0, 2);
        pending.handled(P0, 9); // no claim there (a dropped duplicate): nothing happens
        pending.completeHandled();
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).contains(ClaimState.IN_PROGRESS);
        assertThat(state(P0, 2)).contains(ClaimState.COMPLETED);
        assertThat(pending.size()).isEqualTo(1);
    }

    @Test
    @DisplayName("a handled claim whose completion failed is retried, and never released at close")
    void shouldRetryAFailedHandledCompletionAndNeverReleaseIt() {
        claim(P0, 0, 1);
        pending.handled(P0, 0);
        store.available(false);
        pending.completeHandled();
        store.available(true);
        assertThat(state(P0, 0)).contains(ClaimState.IN_PROGRESS);
        assertThat(pending.size()).isEqualTo(2);
        pending.close();
        assertThat(state(P0, 0))
                .as("handled above the committed offset: completed, not released")
                .contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).as("not handled, not committed: released").isEmpty();
    }

    @Test
    @DisplayName("a revoked partition completes its handled claims above the committed offset")
    void shouldCompleteHandledClaimsOfARevokedPartition() {
        claim(P0, 0, 1, 2);
        pending.committed(Map.of(P0, new OffsetAndMetadata(1)));
        pending.handled(P0, 2);
        pending.revoked(List.of(P0));
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).isEmpty();
        assertThat(state(P0, 2)).contains(ClaimState.COMPLETED);
        assertThat(pending.size()).isZero();
    }

    @Test
    @DisplayName("a rewound partition keeps its handled claims and forgets the others")
    void shouldKeepHandledClaimsWhenRewound() {
        claim(P0, 5, 6, 7);
        pending.handled(P0, 6);
        pending.rewound(P0, 5);
        assertThat(pending.size()).isEqualTo(1);
        pending.completeHandled();
        assertThat(state(P0, 6)).contains(ClaimState.COMPLETED);
        assertThat(pending.size()).isZero();
    }

    @Test
    @DisplayName("close leaving undecided claims to their lease completes the decided ones and releases none")
    void shouldLeaveUndecidedClaimsToTheirLease() {
        claim(P0, 0, 1, 2);
        claim(P1, 0);
        pending.committed(Map.of(P0, new OffsetAndMetadata(1)));
        pending.handled(P0, 1);
        pending.revoked(List.of(P1), PendingClaims.Undecided.LEAVE_TO_LEASE);
        assertThat(state(P1, 0)).contains(ClaimState.IN_PROGRESS);
        pending.close(PendingClaims.Undecided.LEAVE_TO_LEASE);
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 2))
                .as("undecided: kept in progress, so the redelivery reclaims it")
                .contains(ClaimState.IN_PROGRESS);
        assertThat(pending.size()).isZero();
        // the redelivery of the same record reclaims it (same origin) instead of seeing a duplicate
        assertThat(engine.decide(List.of(record(P0, 2))).get(0).verdict()).isEqualTo(Verdict.OWNED);
    }

    @Test
    @DisplayName("several claims at one offset are kept together and completed together")
    void shouldKeepSeveralClaimsPerOffset() {
        List<Decision<String, String>> first = engine.decide(List.of(record(P0, 0)));
        List<Decision<String, String>> second = engine.decide(List.of(record(P1, 7)));
        pending.add(P0, 0, first.get(0).claim());
        pending.add(P0, 0, second.get(0).claim());
        assertThat(pending.size()).isEqualTo(2);
        pending.committed(Map.of(P0, new OffsetAndMetadata(1)));
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P1, 7)).contains(ClaimState.COMPLETED);
        assertThat(pending.size()).isZero();
    }

    @Test
    @DisplayName("partitions are those with claims not known to be committed; isEmpty counts a failed completion")
    void shouldAnswerThePartitionsToAskAboutAndWhetherAnyClaimIsHeld() {
        assertThat(pending.isEmpty()).isTrue();
        assertThat(pending.partitions()).isEmpty();
        claim(P0, 0, 1);
        claim(P1, 0);
        assertThat(pending.isEmpty()).isFalse();
        assertThat(pending.partitions()).containsExactlyInAnyOrder(P0, P1);
        store.available(false);
        pending.committed(Map.of(P0, new OffsetAndMetadata(2)));
        store.available(true);
        assertThat(pending.partitions())
                .as("P0's claims are committed: no offset of it is needed any more")
                .containsExactly(P1);
        pending.committed(Map.of(P1, new OffsetAndMetadata(1)));
        assertThat(pending.partitions()).isEmpty();
        assertThat(pending.isEmpty()).isTrue();
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P1, 0)).contains(ClaimState.COMPLETED);
    }

    @Test
    @DisplayName("a failed completion is not a partition to ask about; a commit of no offsets retries it")
    void shouldRetryAFailedCompletionWithoutOffsets() {
        claim(P0, 0);
        store.available(false);
        pending.committed(Map.of(P0, new OffsetAndMetadata(1)));
        store.available(true);
        assertThat(pending.partitions()).isEmpty();
        assertThat(pending.isEmpty()).isFalse();
        pending.committed(Map.of());
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    @DisplayName("close with the offsets read last completes below them, leaves the rest to the lease")
    void shouldCloseWithTheOffsetsReadLast() {
        claim(P0, 0, 1, 2);
        claim(P1, 0, 1);
        pending.close(
                Map.of(P0, new OffsetAndMetadata(2), P1, new OffsetAndMetadata(0)),
                PendingClaims.Undecided.LEAVE_TO_LEASE);
        assertThat(state(P0, 0)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 1)).contains(ClaimState.COMPLETED);
        assertThat(state(P0, 2)).contains(ClaimState.IN_PROGRESS);
        assertThat(state(P1, 0)).contains(ClaimState.IN_PROGRESS);
        assertThat(state(P1, 1)).contains(ClaimState.IN_PROGRESS);
        assertThat(pending.size()).isZero();
        assertThat(pending.isEmpty()).isTrue();
        assertThat(store.completeCalls()).isEqualTo(1);
    }

    @Test
    @DisplayName("close with offsets calls the store once, with the claims a failed completion left")
    void shouldCloseWithOffsetsInOneStoreCall() {
        claim(P0, 0, 1, 2);
        store.available(false);
        pending.committed(Map.of(P0, new OffsetAndMetadata(1)));
        assertThat(store.completeCalls()).isEqualTo(1);
        pending.close(Map.of(P0, new OffsetAndMetadata(2)), PendingClaims.Undecided.LEAVE_TO_LEASE);
        assertThat(store.completeCalls())
                .as("the failed claim and the newly committed one together, once")
                .isEqualTo(2);
        store.available(true);
        assertThat(state(P0, 0)).as("the store was down: left to its lease").contains(ClaimState.IN_PROGRESS);
        assertThat(state(P0, 1)).contains(ClaimState.IN_PROGRESS);
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    @DisplayName("close with offsets keeps the committed offset seen earlier of a partition left out")
    void shouldKeepTheCommittedOffsetSeenEarlierAtClose() {
        claim(P0, 0);
        pending.committed(Map.of(P0, new OffsetAndMetadata(2)));
        // a claim taken below the committed offset after it was seen (a seek back): committed too
        pending.add(P0, 1, engine.decide(List.of(record(P1, 5))).get(0).claim());
        claim(P1, 0);
        pending.close(Map.of(P1, new OffsetAndMetadata(0)), PendingClaims.Undecided.RELEASE);
        assertThat(state(P1, 5)).as("below P0's committed offset seen earlier").contains(ClaimState.COMPLETED);
        assertThat(state(P1, 0)).as("at P1's committed offset: released").isEmpty();
        assertThat(pending.partitions()).isEqualTo(Set.of());
    }
}
