package io.github.kdedup.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import io.github.kdedup.kafka.CompletionMode;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How many store calls the record processor's completion costs, counted around the real memory
 * store: on a SQL store each call is one database transaction.
 */
@DisplayName("DedupProcessor completion calls on the memory store")
class ProcessorCompletionCallsTest {

    private final CountingStore store = new CountingStore(MemoryIdempotencyStore.create());

    @AfterEach
    void close() {
        store.close();
    }

    private static List<ConsumerRecord<String, String>> poll(int count) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("event-id", ("e" + i).getBytes(StandardCharsets.UTF_8));
            records.add(new ConsumerRecord<>(
                    "orders", 0, i, 0L, TimestampType.CREATE_TIME, -1, -1, null, "v", headers, Optional.empty()));
        }
        return records;
    }

    private DedupProcessor processor(DedupConfig.Builder config) {
        return DedupProcessor.create(store, config.namespace("calls").build());
    }

    @Test
    @DisplayName("at the defaults, a poll of 250 handled records costs one claim and 3 completion calls, not 250")
    void shouldBatchCompletionsByDefault() {
        try (DedupProcessor processor = processor(DedupConfig.builder())) {
            processor.process(poll(250), record -> {});
        }
        assertThat(store.claims.get()).isEqualTo(1);
        assertThat(store.completions.get())
                .as("completion calls of at most 100 claims")
                .isEqualTo(3);
        assertThat(store.completed.get()).isEqualTo(250);
        assertThat(store.find("calls", "e0").orElseThrow().state()).isEqualTo(ClaimState.COMPLETED);
        assertThat(store.find("calls", "e249").orElseThrow().state()).isEqualTo(ClaimState.COMPLETED);
    }

    @Test
    @DisplayName("per-record completion costs one completion call per handled record")
    void shouldCompleteEachRecordWhenAsked() {
        try (DedupProcessor processor = processor(DedupConfig.builder().completion(CompletionMode.PER_RECORD))) {
            processor.process(poll(250), record -> {});
        }
        assertThat(store.completions.get()).isEqualTo(250);
        assertThat(store.completed.get()).isEqualTo(250);
    }

    /** Counts the calls into a real store and passes them on. Thread-safe as the store it wraps. */
    private static final class CountingStore implements IdempotencyStore {
        final IdempotencyStore delegate;
        final AtomicInteger claims = new AtomicInteger();
        final AtomicInteger completions = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();

        CountingStore(IdempotencyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<ClaimResult> claim(List<ClaimRequest> requests) {
            claims.incrementAndGet();
            return delegate.claim(requests);
        }

        @Override
        public List<Boolean> complete(List<Claim> claims, Duration retention) {
            completions.incrementAndGet();
            List<Boolean> answers = delegate.complete(claims, retention);
            completed.addAndGet((int) answers.stream().filter(a -> a).count());
            return answers;
        }

        @Override
        public List<Boolean> release(List<Claim> claims) {
            return delegate.release(claims);
        }

        @Override
        public Optional<StoredRecord> find(String namespace, String key) {
            return delegate.find(namespace, key);
        }

        @Override
        public StoreCapabilities capabilities() {
            return delegate.capabilities();
        }

        @Override
        public String description() {
            return "counting " + delegate.description();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
