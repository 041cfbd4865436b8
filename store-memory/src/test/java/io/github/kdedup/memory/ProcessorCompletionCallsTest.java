package io.github.kdedup.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimState;
import io.github.kdedup.kafka.CompletionMode;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupProcessor;
import io.github.kdedup.tck.CountingStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
        assertThat(store.claimCalls()).isEqualTo(1);
        assertThat(store.completeCalls())
                .as("completion calls of at most 100 claims")
                .isEqualTo(3);
        assertThat(store.completedTrue()).isEqualTo(250);
        assertThat(store.find("calls", "e0").orElseThrow().state()).isEqualTo(ClaimState.COMPLETED);
        assertThat(store.find("calls", "e249").orElseThrow().state()).isEqualTo(ClaimState.COMPLETED);
    }

    @Test
    @DisplayName("per-record completion costs one completion call per handled record")
    void shouldCompleteEachRecordWhenAsked() {
        try (DedupProcessor processor = processor(DedupConfig.builder().completion(CompletionMode.PER_RECORD))) {
            processor.process(poll(250), record -> {});
        }
        assertThat(store.completeCalls()).isEqualTo(250);
        assertThat(store.completedTrue()).isEqualTo(250);
    }
}
