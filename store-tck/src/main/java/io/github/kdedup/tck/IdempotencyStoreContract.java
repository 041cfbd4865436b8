package io.github.kdedup.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.IdempotencyKeys;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.Origin;
import io.github.kdedup.StoredRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link IdempotencyStore} passes: the store contract (README, "The store contract")
 * as executable sentences.
 *
 * <p>A store module adds one test class that extends this one and implements {@link #openStore()}.
 * Each test works in a fresh random namespace, so one server serves every test and every run. Stores
 * whose clock cannot be moved (a server's) keep the default {@link #elapse(Duration)}, which sleeps;
 * a store with an injectable ticker moves it instead.
 *
 * <p>Tests that need two store instances on the same backend run only when {@link
 * io.github.kdedup.StoreCapabilities#shared()} says the backend is shared.
 */
public abstract class IdempotencyStoreContract {

    /** The lease of the expiry tests: short, so that the tests that must wait for it on a server are quick. */
    protected static final Duration SHORT = Duration.ofMillis(400);

    /** A lease or retention no test outlives. */
    protected static final Duration LONG = Duration.ofHours(1);

    /** The store under test, opened before each test and closed after it. */
    protected IdempotencyStore store;

    /** A fresh namespace per test. */
    protected String ns;

    private final AtomicInteger offsets = new AtomicInteger();

    /**
     * Opens a new store on the backend under test. Called once before each test, and again by the
     * tests that race two instances.
     *
     * @return a new open store
     */
    protected abstract IdempotencyStore openStore();

    /**
     * Lets at least {@code duration} pass on the store's clock. The default sleeps a little longer
     * than asked, for servers whose clock the test cannot move.
     *
     * @param duration how long
     */
    protected void elapse(Duration duration) {
        try {
            Thread.sleep(duration.toMillis() + 150);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @BeforeEach
    void openStoreUnderTest() {
        store = openStore();
        ns = "tck-" + UUID.randomUUID().toString().substring(0, 13);
    }

    @AfterEach
    void closeStoreUnderTest() {
        if (store != null) {
            store.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A request for {@code key} at a new origin of topic {@code orders}, by owner {@code c1}. */
    protected ClaimRequest request(String key) {
        return request(key, newOrigin(), "c1", null, LONG);
    }

    /** A request with every component given. */
    protected ClaimRequest request(
            String key, Origin origin, String owner, @Nullable String fingerprint, Duration lease) {
        return new ClaimRequest(ns, key, origin, owner, fingerprint, lease);
    }

    /** A new, never used origin. */
    protected Origin newOrigin() {
        return new Origin("orders", 3, offsets.incrementAndGet());
    }

    /** Claims one request. */
    protected ClaimResult claim(ClaimRequest request) {
        List<ClaimResult> results = store.claim(List.of(request));
        assertThat(results).hasSize(1);
        return results.get(0);
    }

    /** Completes one claim with a long retention. */
    protected boolean complete(Claim claim) {
        return store.complete(List.of(claim), LONG).get(0);
    }

    /** Releases one claim. */
    protected boolean release(Claim claim) {
        return store.release(List.of(claim)).get(0);
    }

    /** Returns the live record of a key, which must exist. */
    protected StoredRecord record(String key) {
        return store.find(ns, key).orElseThrow(() -> new AssertionError("no live record for " + ns + "/" + key));
    }

    private static List<String> keys(int count) {
        return IntStream.range(0, count).mapToObj(i -> "k" + i).collect(Collectors.toList());
    }

    // ------------------------------------------------------------------ the rules

    @Nested
    @DisplayName("claim of a key without a live record")
    class FreshClaim {

        @Test
        @DisplayName("is CLAIMED with a new token and leaves an IN_PROGRESS record with the request's details")
        void shouldClaimFreshKey() {
            Origin origin = newOrigin();
            ClaimResult result = claim(request("order-1", origin, "c1", "fp-1", LONG));

            assertThat(result.outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            assertThat(result.existing()).isEmpty();
            assertThat(result.cause()).isEmpty();
            StoredRecord record = record("order-1");
            assertThat(record.state()).isEqualTo(ClaimState.IN_PROGRESS);
            assertThat(record.token()).isEqualTo(result.claim().token());
            assertThat(record.origin()).isEqualTo(origin);
            assertThat(record.owner()).isEqualTo("c1");
            assertThat(record.fingerprint()).isEqualTo("fp-1");
        }

        @Test
        @DisplayName("gives every successful claim a different token")
        void shouldGiveDistinctTokens() {
            List<ClaimResult> results = store.claim(keys(50).stream()
                    .map(IdempotencyStoreContract.this::request)
                    .collect(Collectors.toList()));
            assertThat(results.stream().map(r -> r.claim().token()).distinct()).hasSize(50);
        }

        @Test
        @DisplayName("keeps namespaces apart: the same key is claimed once in each")
        void shouldKeepNamespacesApart() {
            ClaimRequest first = request("shared-key");
            ClaimRequest second = new ClaimRequest(ns + "-other", "shared-key", newOrigin(), "c1", null, LONG);
            assertThat(store.claim(List.of(first, second)))
                    .extracting(ClaimResult::outcome)
                    .containsExactly(ClaimOutcome.CLAIMED, ClaimOutcome.CLAIMED);
        }

        @Test
        @DisplayName("stores a missing fingerprint as absent")
        void shouldKeepNullFingerprint() {
            claim(request("no-fp"));
            assertThat(record("no-fp").fingerprint()).isNull();
            assertThat(claim(request("no-fp")).existing().orElseThrow().fingerprint())
                    .isNull();
        }
    }

    @Nested
    @DisplayName("claim of a COMPLETED key")
    class CompletedKey {

        @Test
        @DisplayName("from another origin is DUPLICATE, REPUBLISHED, with the original origin, owner and fingerprint")
        void shouldReportRepublished() {
            Origin original = newOrigin();
            complete(claim(request("order-1", original, "c1", "fp-1", LONG)).claim());

            ClaimResult again = claim(request("order-1", newOrigin(), "c2", "fp-1", LONG));

            assertThat(again.outcome()).isEqualTo(ClaimOutcome.DUPLICATE);
            assertThat(again.cause()).contains(DuplicateCause.REPUBLISHED);
            assertThat(again.existing()).contains(new ExistingRecord(ClaimState.COMPLETED, original, "c1", "fp-1"));
            assertThat(again.fingerprintMismatch()).isFalse();
        }

        @Test
        @DisplayName("from the same origin is DUPLICATE, REDELIVERED")
        void shouldReportRedelivered() {
            Origin original = newOrigin();
            complete(claim(request("order-1", original, "c1", null, LONG)).claim());

            ClaimResult again = claim(request("order-1", original, "c2", null, LONG));

            assertThat(again.outcome()).isEqualTo(ClaimOutcome.DUPLICATE);
            assertThat(again.cause()).contains(DuplicateCause.REDELIVERED);
            assertThat(again.existing().orElseThrow().state()).isEqualTo(ClaimState.COMPLETED);
        }

        @Test
        @DisplayName("with another payload reports a fingerprint mismatch")
        void shouldReportFingerprintMismatch() {
            complete(claim(request("order-1", newOrigin(), "c1", "fp-1", LONG)).claim());

            ClaimResult again = claim(request("order-1", newOrigin(), "c1", "fp-2", LONG));

            assertThat(again.outcome()).isEqualTo(ClaimOutcome.DUPLICATE);
            assertThat(again.existing().orElseThrow().fingerprint()).isEqualTo("fp-1");
            assertThat(again.fingerprintMismatch()).isTrue();
        }

        @Test
        @DisplayName("changes nothing in the record")
        void shouldLeaveRecordUnchanged() {
            complete(claim(request("order-1")).claim());
            StoredRecord before = record("order-1");

            claim(request("order-1", newOrigin(), "c2", "other", LONG));

            StoredRecord after = record("order-1");
            assertThat(after.token()).isEqualTo(before.token());
            assertThat(after.owner()).isEqualTo(before.owner());
            assertThat(after.origin()).isEqualTo(before.origin());
            assertThat(after.state()).isEqualTo(ClaimState.COMPLETED);
        }
    }

    @Nested
    @DisplayName("claim of an IN_PROGRESS key")
    class InProgressKey {

        @Test
        @DisplayName("from another origin is DUPLICATE of the event in progress, and changes nothing")
        void shouldReportDuplicateInProgress() {
            Origin original = newOrigin();
            Claim held = claim(request("order-1", original, "c1", "fp-1", LONG)).claim();

            ClaimResult again = claim(request("order-1", newOrigin(), "c2", "fp-1", LONG));

            assertThat(again.outcome()).isEqualTo(ClaimOutcome.DUPLICATE);
            assertThat(again.cause()).contains(DuplicateCause.REPUBLISHED);
            assertThat(again.existing()).contains(new ExistingRecord(ClaimState.IN_PROGRESS, original, "c1", "fp-1"));
            assertThat(record("order-1").token()).isEqualTo(held.token());
            assertThat(complete(held)).as("the holder can still complete").isTrue();
        }

        @Test
        @DisplayName("from the same origin is RECLAIMED with a new token and owner, and fences the old token")
        void shouldReclaimSameOrigin() {
            Origin origin = newOrigin();
            Claim abandoned =
                    claim(request("order-1", origin, "c1", "fp-1", LONG)).claim();

            ClaimResult retry = claim(request("order-1", origin, "c2", "fp-1", LONG));

            assertThat(retry.outcome()).isEqualTo(ClaimOutcome.RECLAIMED);
            assertThat(retry.cause()).contains(DuplicateCause.RETRIED);
            assertThat(retry.existing()).contains(new ExistingRecord(ClaimState.IN_PROGRESS, origin, "c1", "fp-1"));
            assertThat(retry.claim().token()).isNotEqualTo(abandoned.token());
            StoredRecord record = record("order-1");
            assertThat(record.owner()).isEqualTo("c2");
            assertThat(record.token()).isEqualTo(retry.claim().token());

            assertThat(complete(abandoned))
                    .as("the fenced token cannot complete")
                    .isFalse();
            assertThat(release(abandoned)).as("the fenced token cannot release").isFalse();
            assertThat(record("order-1").state()).isEqualTo(ClaimState.IN_PROGRESS);
            assertThat(complete(retry.claim())).as("the new token completes").isTrue();
        }

        @Test
        @DisplayName(
                "from an origin whose topic differs only by a trailing space is DUPLICATE: origins compare exactly")
        void shouldCompareOriginsExactly() {
            Origin original = new Origin("t", 0, 5);
            Claim held = claim(request("order-1", original, "c1", null, LONG)).claim();

            ClaimResult padded = claim(request("order-1", new Origin("t ", 0, 5), "c2", null, LONG));

            assertThat(padded.outcome()).isEqualTo(ClaimOutcome.DUPLICATE);
            assertThat(padded.cause()).contains(DuplicateCause.REPUBLISHED);
            assertThat(padded.existing().orElseThrow().origin()).isEqualTo(original);
            assertThat(complete(held)).as("the first holder still completes").isTrue();
        }

        @Test
        @DisplayName("from the same origin renews the lease")
        void shouldRenewLeaseOnReclaim() {
            Origin origin = newOrigin();
            claim(request("order-1", origin, "c1", null, SHORT));
            claim(request("order-1", origin, "c2", null, LONG));

            elapse(SHORT);

            assertThat(claim(request("order-1")).outcome())
                    .as("the reclaimed record lives by the new, long lease")
                    .isEqualTo(ClaimOutcome.DUPLICATE);
        }
    }

    @Nested
    @DisplayName("expiry")
    class Expiry {

        @Test
        @DisplayName("an IN_PROGRESS record expires with its lease: the key is CLAIMED afresh and the old token fenced")
        void shouldExpireLease() {
            Claim old =
                    claim(request("order-1", newOrigin(), "c1", null, SHORT)).claim();

            elapse(SHORT);

            assertThat(store.find(ns, "order-1")).isEmpty();
            ClaimResult fresh = claim(request("order-1", newOrigin(), "c2", null, LONG));
            assertThat(fresh.outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            assertThat(fresh.existing()).isEmpty();
            assertThat(complete(old)).isFalse();
            assertThat(release(old)).isFalse();
            assertThat(record("order-1").owner()).isEqualTo("c2");
        }

        @Test
        @DisplayName("a COMPLETED record expires with its retention")
        void shouldExpireRetention() {
            Claim claim =
                    claim(request("order-1", newOrigin(), "c1", null, LONG)).claim();
            assertThat(store.complete(List.of(claim), SHORT)).containsExactly(true);

            elapse(SHORT);

            assertThat(store.find(ns, "order-1")).isEmpty();
            assertThat(claim(request("order-1")).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
        }

        @Test
        @DisplayName("completion replaces the lease by the retention")
        void shouldKeepCompletedBeyondLease() {
            Claim claim =
                    claim(request("order-1", newOrigin(), "c1", null, SHORT)).claim();
            assertThat(store.complete(List.of(claim), LONG)).containsExactly(true);

            elapse(SHORT);

            assertThat(claim(request("order-1")).outcome()).isEqualTo(ClaimOutcome.DUPLICATE);
        }

        @Test
        @DisplayName("find reports an expiry of about claim time + lease, by the store's clock")
        void shouldReportExpiresAt() {
            Instant before = Instant.now();
            claim(request("order-1", newOrigin(), "c1", null, LONG));
            Instant expiresAt = record("order-1").expiresAt();
            // Allow for a store clock a little apart from this process's clock.
            assertThat(expiresAt)
                    .isBetween(
                            before.plus(LONG).minusSeconds(30),
                            before.plus(LONG).plusSeconds(30));
        }

        @Test
        @DisplayName("a claim of an expired IN_PROGRESS record of the same origin is CLAIMED, not RECLAIMED")
        void shouldTreatExpiredAsAbsentForSameOrigin() {
            Origin origin = newOrigin();
            claim(request("order-1", origin, "c1", null, SHORT));

            elapse(SHORT);

            ClaimResult again = claim(request("order-1", origin, "c2", null, LONG));
            assertThat(again.outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            assertThat(again.existing()).isEmpty();
        }
    }

    @Nested
    @DisplayName("complete")
    class Complete {

        @Test
        @DisplayName("turns the IN_PROGRESS record of the token into COMPLETED")
        void shouldComplete() {
            Claim claim = claim(request("order-1")).claim();
            assertThat(complete(claim)).isTrue();
            StoredRecord record = record("order-1");
            assertThat(record.state()).isEqualTo(ClaimState.COMPLETED);
            assertThat(record.token()).isEqualTo(claim.token());
        }

        @Test
        @DisplayName("with a stale token returns false and changes nothing")
        void shouldRefuseStaleToken() {
            Claim held = claim(request("order-1")).claim();
            Claim stale = new Claim(ns, "order-1", "not-" + held.token());

            assertThat(complete(stale)).isFalse();

            StoredRecord record = record("order-1");
            assertThat(record.state()).isEqualTo(ClaimState.IN_PROGRESS);
            assertThat(record.token()).isEqualTo(held.token());
        }

        @Test
        @DisplayName("a second time returns false")
        void shouldCompleteOnce() {
            Claim claim = claim(request("order-1")).claim();
            assertThat(complete(claim)).isTrue();
            assertThat(complete(claim)).isFalse();
        }

        @Test
        @DisplayName("of a released or unknown key returns false and creates nothing")
        void shouldNotCompleteAbsentKey() {
            Claim claim = claim(request("order-1")).claim();
            assertThat(release(claim)).isTrue();
            assertThat(complete(claim)).isFalse();
            assertThat(complete(new Claim(ns, "never-claimed", "t"))).isFalse();
            assertThat(store.find(ns, "order-1")).isEmpty();
            assertThat(store.find(ns, "never-claimed")).isEmpty();
        }
    }

    @Nested
    @DisplayName("release")
    class Release {

        @Test
        @DisplayName("deletes the record of the token, so that the next delivery claims afresh")
        void shouldRelease() {
            Origin origin = newOrigin();
            Claim claim = claim(request("order-1", origin, "c1", null, LONG)).claim();

            assertThat(release(claim)).isTrue();

            assertThat(store.find(ns, "order-1")).isEmpty();
            ClaimResult again = claim(request("order-1", origin, "c1", null, LONG));
            assertThat(again.outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            assertThat(again.existing()).isEmpty();
        }

        @Test
        @DisplayName("with a stale token returns false and changes nothing")
        void shouldRefuseStaleToken() {
            Claim held = claim(request("order-1")).claim();
            assertThat(release(new Claim(ns, "order-1", "not-" + held.token()))).isFalse();
            assertThat(record("order-1").token()).isEqualTo(held.token());
        }

        @Test
        @DisplayName("of a COMPLETED record returns false and keeps it")
        void shouldNotReleaseCompleted() {
            Claim claim = claim(request("order-1")).claim();
            complete(claim);
            assertThat(release(claim)).isFalse();
            assertThat(record("order-1").state()).isEqualTo(ClaimState.COMPLETED);
        }
    }

    @Nested
    @DisplayName("batches")
    class Batches {

        @Test
        @DisplayName("answer in request order, whatever the outcomes")
        void shouldAnswerInRequestOrder() {
            Origin reclaimOrigin = newOrigin();
            complete(claim(request("done")).claim());
            claim(request("busy"));
            claim(request("retry", reclaimOrigin, "c1", null, LONG));

            List<ClaimRequest> batch = new ArrayList<>();
            List<ClaimOutcome> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                batch.add(request("fresh-" + i));
                expected.add(ClaimOutcome.CLAIMED);
            }
            batch.add(7, request("done"));
            expected.add(7, ClaimOutcome.DUPLICATE);
            batch.add(3, request("retry", reclaimOrigin, "c2", null, LONG));
            expected.add(3, ClaimOutcome.RECLAIMED);
            batch.add(15, request("busy"));
            expected.add(15, ClaimOutcome.DUPLICATE);

            List<ClaimResult> results = store.claim(batch);

            assertThat(results).extracting(ClaimResult::outcome).containsExactlyElementsOf(expected);
            assertThat(results).extracting(ClaimResult::request).containsExactlyElementsOf(batch);
        }

        @Test
        @DisplayName("complete and release answer in request order")
        void shouldAnswerFencedOperationsInOrder() {
            List<Claim> claims = store
                    .claim(keys(10).stream()
                            .map(IdempotencyStoreContract.this::request)
                            .collect(Collectors.toList()))
                    .stream()
                    .map(ClaimResult::claim)
                    .collect(Collectors.toList());
            List<Claim> mixed = new ArrayList<>();
            for (int i = 0; i < claims.size(); i++) {
                Claim c = claims.get(i);
                mixed.add(i % 3 == 0 ? new Claim(c.namespace(), c.key(), "stale") : c);
            }
            List<Boolean> expected =
                    IntStream.range(0, 10).mapToObj(i -> i % 3 != 0).collect(Collectors.toList());

            assertThat(store.complete(mixed.subList(0, 5), LONG)).containsExactlyElementsOf(expected.subList(0, 5));
            assertThat(store.release(mixed.subList(5, 10))).containsExactlyElementsOf(expected.subList(5, 10));
            assertThat(record("k1").state()).isEqualTo(ClaimState.COMPLETED);
            assertThat(store.find(ns, "k7")).isEmpty();
            assertThat(record("k6").state()).as("stale token").isEqualTo(ClaimState.IN_PROGRESS);
        }

        @Test
        @DisplayName("holding one key twice: the first is CLAIMED, the later one DUPLICATE of the first (in progress)")
        void shouldAnswerRepeatedKeyAsDuplicateOfFirst() {
            Origin first = newOrigin();
            List<ClaimResult> results = store.claim(List.of(
                    request("same", first, "c1", "fp", LONG),
                    request("other"),
                    request("same", newOrigin(), "c1", "fp", LONG),
                    request("same", first, "c1", "fp", LONG)));

            assertThat(results)
                    .extracting(ClaimResult::outcome)
                    .containsExactly(
                            ClaimOutcome.CLAIMED, ClaimOutcome.CLAIMED, ClaimOutcome.DUPLICATE, ClaimOutcome.DUPLICATE);
            ExistingRecord ofFirst = new ExistingRecord(ClaimState.IN_PROGRESS, first, "c1", "fp");
            assertThat(results.get(2).existing()).contains(ofFirst);
            assertThat(results.get(3).existing()).contains(ofFirst);
            assertThat(record("same").token()).isEqualTo(results.get(0).claim().token());
        }

        @Test
        @DisplayName("holding a completed key twice: both are DUPLICATE of the completed record")
        void shouldAnswerRepeatedCompletedKey() {
            Origin original = newOrigin();
            complete(claim(request("same", original, "c1", null, LONG)).claim());

            List<ClaimResult> results = store.claim(List.of(request("same"), request("same")));

            assertThat(results).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.DUPLICATE);
            assertThat(results)
                    .extracting(r -> r.existing().orElseThrow())
                    .containsOnly(new ExistingRecord(ClaimState.COMPLETED, original, "c1", null));
        }

        @Test
        @DisplayName("complete holding one claim twice applies them in order: true, then false")
        void shouldApplyRepeatedClaimsInOrder() {
            Claim claim = claim(request("order-1")).claim();
            Claim stale = new Claim(ns, "order-1", "stale");
            assertThat(store.complete(List.of(stale, claim, claim), LONG)).containsExactly(false, true, false);
            assertThat(record("order-1").state()).isEqualTo(ClaimState.COMPLETED);
        }

        @Test
        @DisplayName("of 10,000 keys are claimed once, then all DUPLICATE, then completed")
        void shouldHandleLargeBatch() {
            List<ClaimRequest> batch = keys(10_000).stream()
                    .map(IdempotencyStoreContract.this::request)
                    .collect(Collectors.toList());

            List<ClaimResult> first = store.claim(batch);
            assertThat(first).hasSize(10_000).allMatch(r -> r.outcome() == ClaimOutcome.CLAIMED);
            assertThat(first).extracting(ClaimResult::request).containsExactlyElementsOf(batch);

            List<ClaimResult> second = store.claim(keys(10_000).stream()
                    .map(IdempotencyStoreContract.this::request)
                    .collect(Collectors.toList()));
            assertThat(second).hasSize(10_000).allMatch(r -> r.outcome() == ClaimOutcome.DUPLICATE);

            List<Boolean> completed =
                    store.complete(first.stream().map(ClaimResult::claim).collect(Collectors.toList()), LONG);
            assertThat(completed).hasSize(10_000).containsOnly(true);
            assertThat(record("k9999").state()).isEqualTo(ClaimState.COMPLETED);
        }

        @Test
        @DisplayName("that are empty answer empty lists")
        void shouldAnswerEmptyBatches() {
            assertThat(store.claim(List.of())).isEmpty();
            assertThat(store.complete(List.of(), LONG)).isEmpty();
            assertThat(store.release(List.of())).isEmpty();
        }
    }

    /** The work of one thread of a race. */
    private interface ThreadBody {
        void run(int thread) throws Exception;
    }

    @Nested
    @DisplayName("concurrency")
    class Concurrency {

        @Test
        @DisplayName("8 threads claiming overlapping keys: exactly one CLAIMED per key")
        void shouldHaveOneWinnerPerKey() throws Exception {
            race(Collections.nCopies(8, store));
        }

        @Test
        @DisplayName("two store instances on one backend racing: exactly one CLAIMED per key")
        void shouldHaveOneWinnerAcrossInstances() throws Exception {
            if (!store.capabilities().shared()) {
                // Not shared: each instance has its own records, so the rule is per instance (checked above).
                assertThat(store.capabilities().shared()).isFalse();
                return;
            }
            try (IdempotencyStore second = openStore()) {
                List<IdempotencyStore> stores = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    stores.add(i % 2 == 0 ? store : second);
                }
                race(stores);
            }
        }

        @Test
        @DisplayName("8 threads over 4 store instances claiming the same records at once (one origin): per key one "
                + "CLAIMED, every other RECLAIMED of the previous holder, and one claim that completes")
        void shouldReclaimConcurrentRedeliveriesOfOneRecord() throws Exception {
            int threads = 8;
            int keyCount = 1_000;
            // One origin for every claimer: the same record handed to several claimers at once.
            Origin origin = new Origin("t", 0, 42);
            List<IdempotencyStore> instances = new ArrayList<>(List.of(store));
            try {
                for (int i = 1; i < 4; i++) {
                    // A store that is not shared keeps records per instance: then the threads share one.
                    instances.add(store.capabilities().shared() ? openStore() : store);
                }
                Map<String, List<ClaimResult>> byKey = new ConcurrentHashMap<>();
                inParallel(threads, thread -> {
                    IdempotencyStore target = instances.get(thread % instances.size());
                    // Every thread walks the keys in the same order, so that batches meet head on.
                    for (int from = 0; from < keyCount; from += 100) {
                        List<ClaimRequest> batch = new ArrayList<>();
                        for (int i = from; i < from + 100; i++) {
                            batch.add(new ClaimRequest(ns, "same-" + i, origin, "t" + thread, null, LONG));
                        }
                        for (ClaimResult result : target.claim(batch)) {
                            List<ClaimResult> ofKey =
                                    byKey.computeIfAbsent(result.request().key(), k -> new ArrayList<>());
                            synchronized (ofKey) {
                                ofKey.add(result);
                            }
                        }
                    }
                });

                assertThat(byKey).hasSize(keyCount);
                Map<String, String> wrong = new HashMap<>();
                List<Claim> claims = new ArrayList<>();
                byKey.forEach((key, results) -> {
                    long claimed = results.stream()
                            .filter(r -> r.outcome() == ClaimOutcome.CLAIMED)
                            .count();
                    boolean othersReclaimPrevious = results.stream()
                            .filter(r -> r.outcome() != ClaimOutcome.CLAIMED)
                            .allMatch(r -> r.outcome() == ClaimOutcome.RECLAIMED
                                    && r.cause().equals(Optional.of(DuplicateCause.RETRIED))
                                    && r.existing().orElseThrow().state() == ClaimState.IN_PROGRESS
                                    && r.existing().orElseThrow().origin().equals(origin)
                                    && !r.existing()
                                            .orElseThrow()
                                            .owner()
                                            .equals(r.request().owner()));
                    if (results.size() != threads || claimed != 1 || !othersReclaimPrevious) {
                        wrong.put(key, results.toString());
                    }
                    results.stream().filter(ClaimResult::owns).forEach(r -> claims.add(r.claim()));
                });
                assertThat(wrong.size())
                        .as(
                                "keys without exactly one CLAIMED and %d RECLAIMED of an earlier holder, such as %s",
                                threads - 1, wrong.entrySet().stream().limit(2).collect(Collectors.toList()))
                        .isZero();

                Map<String, Integer> completions = new HashMap<>();
                for (int from = 0; from < claims.size(); from += 500) {
                    List<Claim> batch = claims.subList(from, Math.min(claims.size(), from + 500));
                    List<Boolean> answers = store.complete(batch, LONG);
                    for (int i = 0; i < batch.size(); i++) {
                        completions.merge(batch.get(i).key(), answers.get(i) ? 1 : 0, Integer::sum);
                    }
                }
                assertThat(completions)
                        .as("claims per key that completed")
                        .allSatisfy((key, n) -> assertThat(n).as(key).isEqualTo(1));
            } finally {
                for (IdempotencyStore instance : instances) {
                    if (instance != store) {
                        instance.close();
                    }
                }
            }
        }

        private void race(List<IdempotencyStore> stores) throws Exception {
            int keyCount = 2_000;
            Map<String, AtomicInteger> wins = new ConcurrentHashMap<>();
            inParallel(stores.size(), thread -> {
                IdempotencyStore target = stores.get(thread);
                // Each thread takes an overlapping window of the keys, in its own order, in batches.
                List<String> mine = new ArrayList<>();
                for (int i = 0; i < keyCount; i++) {
                    if ((i + thread) % 4 != 0) {
                        mine.add("race-" + i);
                    }
                }
                Collections.shuffle(mine, new Random(thread));
                for (int from = 0; from < mine.size(); from += 100) {
                    List<ClaimRequest> batch = new ArrayList<>();
                    for (String key : mine.subList(from, Math.min(mine.size(), from + 100))) {
                        // Different origins per thread: no thread may take over another's claim.
                        batch.add(
                                new ClaimRequest(ns, key, new Origin("race", thread, from), "t" + thread, null, LONG));
                    }
                    for (ClaimResult result : target.claim(batch)) {
                        assertThat(result.outcome()).isNotEqualTo(ClaimOutcome.RECLAIMED);
                        if (result.outcome() == ClaimOutcome.CLAIMED) {
                            wins.computeIfAbsent(result.request().key(), k -> new AtomicInteger())
                                    .incrementAndGet();
                        }
                    }
                }
            });
            assertThat(wins).hasSize(keyCount);
            Map<String, Integer> multiple = new HashMap<>();
            wins.forEach((key, count) -> {
                if (count.get() != 1) {
                    multiple.put(key, count.get());
                }
            });
            assertThat(multiple).as("keys claimed more than once").isEmpty();
        }

        /**
         * Runs {@code body} on {@code threads} threads that start together, and waits for all of
         * them; the first failure of any thread fails the test.
         */
        private void inParallel(int threads, ThreadBody body) throws Exception {
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        body.run(thread);
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> future : futures) {
                    future.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Nested
    @DisplayName("keys")
    class Keys {

        @Test
        @DisplayName("are arbitrary Unicode text, stored and compared exactly")
        void shouldKeepUnicodeKeys() {
            List<String> keys = List.of(
                    "ключ-1",
                    "鍵-2",
                    "🔑-3",
                    "e\u0301",
                    "\u00e9",
                    "Key",
                    "key",
                    "with space",
                    "quote'\"\\",
                    "colon:brace{x}%",
                    "line\nbreak\ttab");
            List<ClaimResult> first = store.claim(
                    keys.stream().map(IdempotencyStoreContract.this::request).collect(Collectors.toList()));
            assertThat(first).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
            for (String key : keys) {
                assertThat(record(key).key()).isEqualTo(key);
            }
            List<ClaimResult> second = store.claim(
                    keys.stream().map(IdempotencyStoreContract.this::request).collect(Collectors.toList()));
            assertThat(second).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.DUPLICATE);
        }

        @Test
        @DisplayName("of the longest allowed size, in 4-byte characters, work")
        void shouldAcceptLongestKey() {
            String longest = "🔑".repeat(IdempotencyKeys.MAX_KEY_BYTES / 4);
            assertThat(IdempotencyKeys.utf8Length(longest)).isEqualTo(IdempotencyKeys.MAX_KEY_BYTES);
            String longestNamespace = "n".repeat(IdempotencyKeys.MAX_NAMESPACE_BYTES - ns.length()) + ns;
            ClaimRequest request = new ClaimRequest(longestNamespace, longest, newOrigin(), "c1", null, LONG);

            assertThat(store.claim(List.of(request)).get(0).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            assertThat(store.claim(List.of(request)).get(0).outcome()).isEqualTo(ClaimOutcome.RECLAIMED);
            assertThat(store.find(longestNamespace, longest)).isPresent();
        }

        @Test
        @DisplayName("longer than the limit are rejected with a clear error, unless hashed")
        void shouldRejectOrHashLongKeys() {
            String huge = "x".repeat(1 << 20);
            assertThatThrownBy(() -> request(huge))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("limit is " + IdempotencyKeys.MAX_KEY_BYTES)
                    .hasMessageContaining("hash");

            String hashed = IdempotencyKeys.hashIfLong(huge);
            assertThat(claim(request(hashed)).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            assertThat(claim(request(IdempotencyKeys.hashIfLong(huge))).outcome())
                    .isEqualTo(ClaimOutcome.DUPLICATE);
            assertThat(claim(request(IdempotencyKeys.hashIfLong(huge + "y"))).outcome())
                    .isEqualTo(ClaimOutcome.CLAIMED);
        }
    }

    @Nested
    @DisplayName("text a store cannot keep")
    class UnkeepableText {

        /** Where the bad character sits in every bad value: after {@code "valid"}. */
        private static final int POSITION = 5;

        private static final Map<String, String> BAD_CHARACTERS = Map.of(
                "U+0000", "\u0000",
                "an unpaired surrogate", "\ud800");

        private String bad(String character) {
            return "valid" + character + "tail";
        }

        /**
         * Asserts that the claim is refused before it reaches the store, naming the field and the
         * position, and that the key has no record afterwards.
         */
        private void assertRefused(String field, Function<String, ClaimRequest> withBadValue) {
            BAD_CHARACTERS.forEach((name, character) -> {
                assertThatThrownBy(() -> store.claim(List.of(withBadValue.apply(bad(character)))))
                        .as("%s with %s", field, name)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(field)
                        .hasMessageContaining(String.valueOf(POSITION));
            });
            assertThat(store.find(ns, "order-1")).as("record of the valid key").isEmpty();
            assertThat(store.find(ns, "validtail"))
                    .as("record of the key without the bad character")
                    .isEmpty();
        }

        @Test
        @DisplayName("in a key (U+0000, an unpaired surrogate) is refused with an IllegalArgumentException naming "
                + "the key and the position, and nothing is stored")
        void shouldRefuseBadKey() {
            assertRefused("key", value -> request(value, newOrigin(), "c1", null, LONG));
        }

        @Test
        @DisplayName("in a namespace is refused, naming the namespace and the position, and nothing is stored")
        void shouldRefuseBadNamespace() {
            assertRefused("namespace", value -> new ClaimRequest(value, "order-1", newOrigin(), "c1", null, LONG));
        }

        @Test
        @DisplayName("in an owner is refused, naming the owner and the position, and nothing is stored")
        void shouldRefuseBadOwner() {
            assertRefused("owner", value -> request("order-1", newOrigin(), value, null, LONG));
        }

        @Test
        @DisplayName("in an origin topic is refused, naming the topic and the position, and nothing is stored")
        void shouldRefuseBadTopic() {
            assertRefused("topic", value -> request("order-1", new Origin(value, 0, 1), "c1", null, LONG));
        }

        @Test
        @DisplayName("in a fingerprint is refused, naming the fingerprint and the position, and nothing is stored")
        void shouldRefuseBadFingerprint() {
            assertRefused("fingerprint", value -> request("order-1", newOrigin(), "c1", value, LONG));
        }
    }

    @Nested
    @DisplayName("a closed store")
    class Closed {

        @Test
        @DisplayName("refuses every operation with a store exception that says it is closed")
        void shouldRefuseAfterClose() {
            Claim claim = claim(request("order-1")).claim();
            store.close();
            store.close();

            assertThatThrownBy(() -> store.claim(List.of(request("order-2"))))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("closed")
                    .hasMessageContaining("claim");
            assertThatThrownBy(() -> store.complete(List.of(claim), LONG))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("closed");
            assertThatThrownBy(() -> store.release(List.of(claim)))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("closed");
            assertThatThrownBy(() -> store.find(ns, "order-1"))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("closed");
        }
    }
}
