package io.github.kdedup.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.Origin;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.Verdict;
import io.github.kdedup.memory.MemoryIdempotencyStore;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The registry of decisions taken at poll time: what the processor may take, and what is dropped. */
@DisplayName("PollClaims")
class PollClaimsTest {

    private static final TopicPartition P = new TopicPartition("orders", 0);
    private final MemoryIdempotencyStore store = MemoryIdempotencyStore.create();
    private final PollClaims.Step step =
            new PollClaims.Step(DedupConfig.builder().namespace("n").build(), store);

    @AfterEach
    void clear() {
        PollClaims.clearThread();
        store.close();
    }

    private PollClaims.Early early(long offset) {
        ClaimRequest request = new ClaimRequest(
                "n", "k" + offset, new Origin(P.topic(), P.partition(), offset), "o", null, Duration.ofMinutes(1));
        return new PollClaims.Early(offset, step, Verdict.OWNED, ClaimResult.claimed(request, "t"), 0);
    }

    @Test
    @DisplayName("should give each decision once, in offset order, dropping those never taken below it")
    void shouldGiveEachDecisionOnce() {
        PollClaims.polled(P, 10);
        for (long o = 10; o < 15; o++) {
            PollClaims.keep(P, early(o));
        }

        assertThat(PollClaims.take(P, 12).offset()).isEqualTo(12); // 10 and 11 were filtered out upstream
        assertThat(PollClaims.take(P, 12)).as("used once").isNull();
        assertThat(PollClaims.take(P, 11)).as("dropped").isNull();
        assertThat(PollClaims.keptOnThisThread()).isEqualTo(2);
        assertThat(PollClaims.take(new TopicPartition("orders", 1), 13)).isNull();
    }

    @Test
    @DisplayName("should drop what was kept for a partition when a poll reads its offsets again (a seek back)")
    void shouldDropOnSeekBack() {
        PollClaims.polled(P, 10);
        PollClaims.keep(P, early(10));
        PollClaims.keep(P, early(11));
        PollClaims.polled(P, 12); // the next poll: kept
        PollClaims.keep(P, early(12));
        assertThat(PollClaims.keptOnThisThread()).isEqualTo(3);

        PollClaims.polled(P, 11); // after an abort, Streams reads from the committed offset again

        assertThat(PollClaims.keptOnThisThread()).isZero();
        assertThat(PollClaims.take(P, 11)).isNull();
    }

    @Test
    @DisplayName("should keep decisions to the thread that polled")
    void shouldKeepDecisionsToTheirThread() throws Exception {
        PollClaims.polled(P, 0);
        PollClaims.keep(P, early(0));
        Object[] seen = new Object[1];
        Thread other = new Thread(() -> seen[0] = PollClaims.take(P, 0));
        other.start();
        other.join();

        assertThat(seen[0]).isNull();
        assertThat(PollClaims.take(P, 0)).isNotNull();
    }

    @Test
    @DisplayName("should name the one step that reads a topic, none when two do or it refused it")
    void shouldFindTheOneStep() {
        PollClaims.Step other =
                new PollClaims.Step(DedupConfig.builder().namespace("m").build(), store);
        step.learn("orders");
        other.learn("payments");
        assertThat(PollClaims.stepFor(List.of(step, other), "orders")).isSameAs(step);
        assertThat(PollClaims.stepFor(List.of(step, other), "refunds")).isNull();

        other.learn("orders");
        assertThat(PollClaims.stepFor(List.of(step, other), "orders"))
                .as("two steps read it")
                .isNull();

        assertThat(other.refuse("orders")).isTrue();
        assertThat(other.refuse("orders")).isFalse();
        assertThat(PollClaims.stepFor(List.of(step, other), "orders")).isSameAs(step);
    }
}
