package io.github.kdedup.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.github.kdedup.ClaimState;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The record processor and its policies on records built in memory (no broker needed for these
 * rules; the broker tests cover the consumer side).
 */
@DisplayName("DedupProcessor policies")
class DedupProcessorPolicyTest {

    private final FaultyMemoryStore store = new FaultyMemoryStore("policy-" + UUID.randomUUID());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> handled = new ArrayList<>();
    private final String namespace = "ns-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void close() {
        store.close();
    }

    private DedupProcessor processor(UnaryOperator<DedupConfig.Builder> settings) {
        return DedupProcessor.create(
                store,
                settings.apply(DedupConfig.builder().namespace(namespace).metrics(MicrometerDedupMetrics.of(registry)))
                        .build());
    }

    private static ConsumerRecord<String, String> record(long offset, byte[] eventId, String value) {
        RecordHeaders headers = new RecordHeaders();
        if (eventId != null) {
            headers.add("event-id", eventId);
        }
        return new ConsumerRecord<>(
                "orders", 2, offset, 0L, TimestampType.CREATE_TIME, -1, -1, null, value, headers, Optional.empty());
    }

    private static ConsumerRecord<String, String> record(long offset, String eventId, String value) {
        return record(offset, eventId.getBytes(StandardCharsets.UTF_8), value);
    }

    private RecordOutcome process(DedupProcessor p, ConsumerRecord<String, String> r) {
        return p.process(r, rec -> handled.add(rec.offset() + ""));
    }

    private double count(String name, String... tags) {
        var search = registry.find(name).tag("namespace", namespace);
        if (tags.length > 0) {
            search = search.tags(tags);
        }
        var counter = search.counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    @DisplayName("a republished copy is a duplicate that names the original origin; a redelivery too")
    void shouldReportDuplicatesWithOrigins() {
        DedupProcessor p = processor(b -> b);
        assertThat(process(p, record(311, "e1", "a")).processed()).isTrue();
        RecordOutcome republished = process(p, record(517, "e1", "a"));
        assertThat(republished.duplicate()).isTrue();
        assertThat(republished.cause()).contains(DuplicateCause.REPUBLISHED);
        assertThat(republished.original()).contains(new Origin("orders", 2, 311));
        assertThat(process(p, record(311, "e1", "a")).cause()).contains(DuplicateCause.REDELIVERED);
        assertThat(handled).containsExactly("311");
        assertThat(count("kdedup.duplicates", "cause", "republished")).isEqualTo(1);
        assertThat(count("kdedup.duplicates", "cause", "redelivered")).isEqualTo(1);
        assertThat(count("kdedup.claims", "outcome", "claimed")).isEqualTo(1);
        assertThat(registry.find("kdedup.store.latency")
                        .tag("operation", "claim")
                        .timer()
                        .count())
                .isEqualTo(3);
    }

    @Test
    @DisplayName("a handler that throws releases its claim, so the redelivery is handled")
    void shouldReleaseWhenHandlerThrows() {
        DedupProcessor p = processor(b -> b);
        RecordOutcome failed = p.process(record(1, "e2", "a"), r -> {
            throw new IllegalStateException("boom");
        });
        assertThat(failed.failed()).isTrue();
        assertThat(failed.error()).hasMessage("boom");
        assertThat(store.find(namespace, "e2")).isEmpty();
        assertThat(process(p, record(1, "e2", "a")).processed()).isTrue();
    }

    @Test
    @DisplayName("an in-progress claim of the same record is reclaimed and counted as retried")
    void shouldCountRetries() {
        DedupProcessor first = processor(b -> b);
        var claim = store.claim(List.of(new io.github.kdedup.ClaimRequest(
                namespace, "e3", new Origin("orders", 2, 9), "crashed#1", null, java.time.Duration.ofMinutes(1))));
        assertThat(claim.get(0).owns()).isTrue();
        RecordOutcome retried = process(first, record(9, "e3", "a"));
        assertThat(retried.processed()).isTrue();
        assertThat(retried.cause()).contains(DuplicateCause.RETRIED);
        assertThat(count("kdedup.lease.takeovers")).isEqualTo(1);
        assertThat(count("kdedup.duplicates", "cause", "retried")).isEqualTo(1);
    }

    @Test
    @DisplayName("missing key: process (default), skip or fail")
    void shouldApplyMissingKeyPolicy() {
        ConsumerRecord<String, String> noKey = record(5, (byte[]) null, "a");
        RecordOutcome processed = process(processor(b -> b), noKey);
        assertThat(processed.processed()).isTrue();
        assertThat(processed.deduplicated()).isFalse();
        assertThat(process(processor(b -> b.onMissingKey(MissingKeyPolicy.SKIP)), noKey)
                        .verdict())
                .isEqualTo(Verdict.SKIPPED);
        assertThatThrownBy(() -> process(processor(b -> b.onMissingKey(MissingKeyPolicy.FAIL)), noKey))
                .isInstanceOf(DedupPolicyException.class)
                .hasMessageContaining("orders-2@5")
                .hasMessageContaining("kdedup.on-missing-key=fail");
        assertThat(handled).containsExactly("5");
        assertThat(count("kdedup.keys.missing", "policy", "skip")).isEqualTo(1);
    }

    @Test
    @DisplayName("a header that is not UTF-8 is an unreadable key, never a mangled one")
    void shouldTreatBadUtf8AsUnreadable() {
        byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> process(processor(b -> b.onMissingKey(MissingKeyPolicy.FAIL)), record(6, latin1, "a")))
                .isInstanceOf(DedupPolicyException.class)
                .hasMessageContaining("header 'event-id' is not valid UTF-8");
        assertThat(process(processor(b -> b.onMissingKey(MissingKeyPolicy.SKIP)), record(6, latin1, "a"))
                        .verdict())
                .isEqualTo(Verdict.SKIPPED);
    }

    @Test
    @DisplayName("a tombstone with a JSON key is an unreadable key; a JSON value gives its key")
    void shouldReadJsonKeys() {
        DedupProcessor p = processor(
                b -> b.keyExtractor(KeyExtractor.parse("json:/order/id")).onMissingKey(MissingKeyPolicy.SKIP));
        assertThat(process(p, record(7, "h", null)).verdict()).isEqualTo(Verdict.SKIPPED);
        assertThat(process(p, record(8, "h", "not json")).verdict()).isEqualTo(Verdict.SKIPPED);
        assertThat(process(p, record(9, "h", "{\"order\":{\"id\":42}}")).processed())
                .isTrue();
        assertThat(store.find(namespace, "42")).isPresent();
        assertThat(process(p, record(10, "h", "{\"order\":{\"id\":42}}")).cause())
                .contains(DuplicateCause.REPUBLISHED);
    }

    @Test
    @DisplayName("keys over 512 bytes are unreadable unless hash-long-keys is on")
    void shouldHashLongKeysOnlyWhenAsked() {
        String longKey = "k".repeat(600);
        assertThat(process(processor(b -> b.onMissingKey(MissingKeyPolicy.SKIP)), record(11, longKey, "a"))
                        .verdict())
                .isEqualTo(Verdict.SKIPPED);
        RecordOutcome hashed = process(processor(b -> b.hashLongKeys(true)), record(11, longKey, "a"));
        assertThat(hashed.deduplicated()).isTrue();
        assertThat(hashed.claim().request().key()).startsWith("sha256:");
    }

    @Test
    @DisplayName("store unavailable: fail (default) throws before any handler; pass-through handles and counts")
    void shouldApplyStoreUnavailablePolicy() {
        store.available(false);
        List<ConsumerRecord<String, String>> batch = List.of(record(20, "s1", "a"), record(21, "s2", "a"));
        assertThatThrownBy(() -> processor(b -> b).process(batch, r -> handled.add("x")))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("connection refused");
        assertThat(handled).isEmpty();
        List<RecordOutcome> passed = processor(b -> b.onStoreUnavailable(StoreUnavailablePolicy.PASS_THROUGH))
                .process(batch, r -> handled.add(r.offset() + ""));
        assertThat(passed).allSatisfy(o -> {
            assertThat(o.processed()).isTrue();
            assertThat(o.deduplicated()).isFalse();
        });
        assertThat(count("kdedup.pass.through")).isEqualTo(2);
        assertThat(count("kdedup.store.errors", "operation", "claim")).isEqualTo(2);
    }

    @Test
    @DisplayName("fingerprint mismatch: drop (default) and warn, process, or fail")
    void shouldApplyFingerprintPolicy() {
        UnaryOperator<DedupConfig.Builder> fp = b -> b.fingerprinter(Fingerprinter.valueSha256());
        DedupProcessor drop = processor(fp);
        process(drop, record(30, "f1", "{\"amount\":1}"));
        assertThat(process(drop, record(31, "f1", "{\"amount\":1}")).duplicate())
                .isTrue();
        assertThat(count("kdedup.fingerprint.mismatches")).isZero();
        assertThat(process(drop, record(32, "f1", "{\"amount\":2}")).duplicate())
                .isTrue();
        assertThat(count("kdedup.fingerprint.mismatches")).isEqualTo(1);
        RecordOutcome processed = process(
                processor(b -> fp.apply(b).onFingerprintMismatch(FingerprintMismatchPolicy.PROCESS)),
                record(33, "f1", "{\"amount\":3}"));
        assertThat(processed.processed()).isTrue();
        assertThat(processed.deduplicated()).isFalse();
        assertThatThrownBy(() -> process(
                        processor(b -> fp.apply(b).onFingerprintMismatch(FingerprintMismatchPolicy.FAIL)),
                        record(34, "f1", "{\"amount\":4}")))
                .isInstanceOf(DedupPolicyException.class)
                .hasMessageContaining("orders-2@34")
                .hasMessageContaining("orders-2@30");
        assertThat(handled).containsExactly("30", "33");
    }

    @Test
    @DisplayName("json-sha256 fingerprints only the chosen part of the value")
    void shouldFingerprintJsonPart() {
        DedupProcessor p = processor(b -> b.fingerprinter(Fingerprinter.parse("json-sha256:/amount"))
                .onFingerprintMismatch(FingerprintMismatchPolicy.PROCESS));
        process(p, record(40, "j1", "{\"amount\":1,\"sentAt\":\"10:00\"}"));
        assertThat(process(p, record(41, "j1", "{\"amount\":1,\"sentAt\":\"10:05\"}"))
                        .duplicate())
                .isTrue();
        assertThat(process(p, record(42, "j1", "{\"amount\":2,\"sentAt\":\"10:05\"}"))
                        .deduplicated())
                .isFalse();
    }

    private ClaimState state(String key) {
        return store.find(namespace, key).orElseThrow().state();
    }

    @Test
    @DisplayName(
            "a completion that failed after the handler is retried at the next process call and at close, never released")
    void shouldRetryAFailedCompletion() {
        DedupProcessor lenient = processor(b -> b.onStoreUnavailable(StoreUnavailablePolicy.PASS_THROUGH));
        assertThat(lenient.process(record(50, "r1", "a"), rec -> store.available(false))
                        .processed())
                .isTrue();
        store.available(true);
        assertThat(state("r1")).isEqualTo(ClaimState.IN_PROGRESS);
        process(lenient, record(51, "r2", "a"));
        assertThat(state("r1")).as("completed at the next process call").isEqualTo(ClaimState.COMPLETED);

        DedupProcessor strict = processor(b -> b);
        assertThatThrownBy(() -> strict.process(record(52, "r3", "a"), rec -> store.available(false)))
                .isInstanceOf(IdempotencyStoreException.class);
        store.available(true);
        assertThat(state("r3")).isEqualTo(ClaimState.IN_PROGRESS);
        strict.close();
        assertThat(state("r3")).as("completed at close").isEqualTo(ClaimState.COMPLETED);
        assertThat(process(processor(b -> b), record(53, "r3", "a")).duplicate())
                .as("a republished copy of a handled event")
                .isTrue();
    }

    private long completeCalls() {
        var timer = registry.find("kdedup.store.latency")
                .tag("namespace", namespace)
                .tag("operation", "complete")
                .timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    @DisplayName("per-record completion completes each handled record in its own store call")
    void shouldCompleteEachRecord() {
        DedupProcessor p = processor(b -> b.completion(CompletionMode.PER_RECORD));
        p.process(List.of(record(1, "a", "x"), record(2, "b", "x"), record(3, "c", "x")), rec -> {});
        assertThat(completeCalls()).isEqualTo(3);
    }

    @Test
    @DisplayName("per-batch completion completes a poll in one store call, and the records stay deduplicated")
    void shouldCompleteBatchOnce() {
        DedupProcessor p = processor(b -> b.completion(CompletionMode.PER_BATCH));
        List<RecordOutcome> outcomes = p.process(
                List.of(record(1, "a", "x"), record(2, "b", "x"), record(3, "a", "x"), record(4, "c", "x")),
                rec -> handled.add(rec.offset() + ""));

        assertThat(outcomes)
                .extracting(RecordOutcome::processed, RecordOutcome::duplicate)
                .containsExactly(tuple(true, false), tuple(true, false), tuple(false, true), tuple(true, false));
        assertThat(handled).containsExactly("1", "2", "4");
        assertThat(completeCalls()).isEqualTo(1);
        assertThat(process(p, record(9, "b", "x")).duplicate())
                .as("completed by the batch call")
                .isTrue();
    }

    @Test
    @DisplayName("at the defaults, the handled records of a poll are completed in one store call")
    void shouldBatchCompletionsByDefault() {
        DedupProcessor p = processor(b -> b);
        p.process(List.of(record(1, "a", "x"), record(2, "b", "x"), record(3, "c", "x")), rec -> {});
        assertThat(completeCalls()).isEqualTo(1);
        assertThat(List.of("a", "b", "c")).allSatisfy(k -> assertThat(state(k)).isEqualTo(ClaimState.COMPLETED));
    }

    @Test
    @DisplayName("per-batch completion writes at most 100 claims per store call")
    void shouldBoundBatchedCompletionsInCount() {
        DedupProcessor p = processor(b -> b.completion(CompletionMode.PER_BATCH));
        List<ConsumerRecord<String, String>> poll = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            poll.add(record(i, "k" + i, "x"));
        }
        List<Integer> completedBeforeHandler = new ArrayList<>();
        p.process(poll, rec -> {
            if (rec.offset() == 100 || rec.offset() == 200) {
                completedBeforeHandler.add((int) completeCalls());
            }
        });
        assertThat(completedBeforeHandler)
                .as("calls written before the 101st and the 201st handler")
                .containsExactly(1, 2);
        assertThat(completeCalls()).isEqualTo(3);
        assertThat(state("k0")).isEqualTo(ClaimState.COMPLETED);
        assertThat(state("k249")).isEqualTo(ClaimState.COMPLETED);
    }

    @Test
    @DisplayName("per-batch completion writes the gathered claims once the oldest has waited 100 ms")
    void shouldBoundBatchedCompletionsInTime() {
        AtomicLong nanos = new AtomicLong();
        DedupProcessor p = DedupProcessor.create(
                store,
                DedupConfig.builder()
                        .namespace(namespace)
                        .metrics(MicrometerDedupMetrics.of(registry))
                        .build(),
                nanos::get);
        List<ClaimState> stateOfFirst = new ArrayList<>();
        p.process(List.of(record(1, "a", "x"), record(2, "b", "x"), record(3, "c", "x")), rec -> {
            if (rec.offset() > 1) {
                stateOfFirst.add(state("a"));
            }
            // Each handler takes 100 ms of the test's clock: when the second returns, the first has waited 100.
            nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        });
        assertThat(stateOfFirst)
                .as("the first claim, seen by the second and the third handler")
                .containsExactly(ClaimState.IN_PROGRESS, ClaimState.COMPLETED);
        assertThat(completeCalls()).isEqualTo(2);
    }

    @Test
    @DisplayName("per-batch completion is read from kdedup.completion, and a bad value names the choices")
    void shouldReadCompletionProperty() {
        assertThat(DedupConfig.fromProperties(java.util.Map.of(
                                "kdedup.completion", "per-batch", "kdedup.store", "memory:", "group.id", "g"))
                        .completion())
                .isEqualTo(CompletionMode.PER_BATCH);
        assertThatThrownBy(() -> DedupConfig.fromProperties(
                        java.util.Map.of("kdedup.completion", "later", "kdedup.store", "memory:")))
                .hasMessageContaining("kdedup.completion")
                .hasMessageContainingAll("PER-RECORD", "PER-BATCH");
    }
}
