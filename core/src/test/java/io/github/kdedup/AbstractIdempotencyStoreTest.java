package io.github.kdedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The batch plumbing of the base class, seen through a store that records its calls. */
class AbstractIdempotencyStoreTest {

    /** Claims everything and remembers the batches it was given; fails on demand. */
    private static final class RecordingStore extends AbstractIdempotencyStore {
        final List<Integer> batchSizes = new ArrayList<>();
        RuntimeException failure;
        int answersMissing;

        @Override
        protected List<ClaimResult> doClaim(List<ClaimRequest> requests) {
            batchSizes.add(requests.size());
            if (failure != null) {
                throw failure;
            }
            return requests.stream()
                    .limit(requests.size() - answersMissing)
                    .map(r -> ClaimResult.claimed(r, "t"))
                    .collect(Collectors.toList());
        }

        @Override
        protected List<Boolean> doComplete(List<Claim> claims, Duration retention) {
            batchSizes.add(claims.size());
            return claims.stream().map(c -> true).collect(Collectors.toList());
        }

        @Override
        protected List<Boolean> doRelease(List<Claim> claims) {
            return doComplete(claims, retention());
        }

        private static Duration retention() {
            return Duration.ofMinutes(1);
        }

        @Override
        protected Optional<StoredRecord> doFind(String namespace, String key) {
            return Optional.empty();
        }

        @Override
        protected void doClose() {}

        @Override
        public StoreCapabilities capabilities() {
            return new StoreCapabilities(100, false);
        }

        @Override
        public String description() {
            return "recording store";
        }
    }

    private static ClaimRequest request(int i) {
        return new ClaimRequest("ns", "k" + i, new Origin("t", 0, i), "c", null, Duration.ofMinutes(1));
    }

    @Test
    @DisplayName("splits batches larger than maxBatchSize and keeps the order")
    void shouldSplitBatches() {
        RecordingStore store = new RecordingStore();
        List<ClaimRequest> batch = IntStream.range(0, 250)
                .mapToObj(AbstractIdempotencyStoreTest::request)
                .collect(Collectors.toList());
        List<ClaimResult> results = store.claim(batch);
        assertThat(store.batchSizes).containsExactly(100, 100, 50);
        assertThat(results).extracting(ClaimResult::request).containsExactlyElementsOf(batch);
    }

    @Test
    @DisplayName("sends repeated identities of complete in rounds, never twice in one call")
    void shouldApplyRepeatsInRounds() {
        RecordingStore store = new RecordingStore();
        Claim a = new Claim("ns", "a", "t1");
        Claim b = new Claim("ns", "b", "t1");
        assertThat(store.complete(List.of(a, b, a, a), Duration.ofMinutes(1))).hasSize(4);
        assertThat(store.batchSizes).containsExactly(2, 1, 1);
    }

    @Test
    @DisplayName("wraps a store's runtime failure in the store exception, naming store and operation")
    void shouldWrapFailures() {
        RecordingStore store = new RecordingStore();
        store.failure = new IllegalStateException("connection reset");
        assertThatThrownBy(() -> store.claim(List.of(request(1), request(2))))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessage("recording store: claim of 2 keys failed: connection reset")
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("refuses a store that answers the wrong number of results instead of guessing")
    void shouldRefuseShortAnswers() {
        RecordingStore store = new RecordingStore();
        store.answersMissing = 1;
        assertThatThrownBy(() -> store.claim(List.of(request(1), request(2))))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("answered 1 results");
    }

    @Test
    @DisplayName("rejects null elements and a bad retention before calling the store")
    void shouldValidateArguments() {
        RecordingStore store = new RecordingStore();
        List<ClaimRequest> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> store.claim(withNull)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.complete(List.of(new Claim("ns", "k", "t")), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retention");
        assertThat(store.batchSizes).isEmpty();
    }
}
