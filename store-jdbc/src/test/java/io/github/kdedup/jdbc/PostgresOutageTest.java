package io.github.kdedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.LocalPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A PostgreSQL server of this test, stopped and started under a running store. */
@DisplayName("JDBC store on a PostgreSQL server that goes away")
class PostgresOutageTest {

    private static final String PASSWORD = "s3cret-" + UUID.randomUUID();
    private static LocalPostgres pg;

    @BeforeAll
    static void startServer() {
        pg = LocalPostgres.start(PASSWORD);
    }

    @AfterAll
    static void stopServer() {
        if (pg != null) {
            pg.close();
        }
    }

    private static List<ClaimRequest> requests(String ns, int from, int to) {
        return IntStream.range(from, to)
                .mapToObj(
                        i -> new ClaimRequest(ns, "k" + i, new Origin("orders", 0, i), "c1", null, Duration.ofHours(1)))
                .collect(Collectors.toList());
    }

    @Test
    @DisplayName("fails each claim fast with a store exception while the server is down, and answers rightly after")
    void shouldFailDuringOutageAndRecover() {
        String ns = "outage-" + UUID.randomUUID();
        String url = Databases.with(pg.url(), "password=" + PASSWORD + "&kdedupConnectionTimeout=PT1S");
        try (IdempotencyStore store = IdempotencyStores.open(url)) {
            assertThat(store.claim(requests(ns, 0, 100)))
                    .extracting(ClaimResult::outcome)
                    .containsOnly(ClaimOutcome.CLAIMED);

            pg.stopImmediately();
            try {
                for (int round = 0; round < 3; round++) {
                    int from = 100 + round * 10;
                    // Fails within the connection timeout, never hangs.
                    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(
                                    () -> store.claim(requests(ns, from, from + 10)))
                            .isInstanceOf(IdempotencyStoreException.class)
                            .hasMessageContaining("claim of 10 keys")
                            .hasMessageNotContaining(PASSWORD));
                }
            } finally {
                pg.startServer();
            }

            List<ClaimResult> after = claimWhenBack(store, requests(ns, 0, 200));
            // Claimed before the outage: still held. Never tried: fresh.
            assertThat(after.subList(0, 100)).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.RECLAIMED);
            assertThat(after.subList(130, 200)).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
            // Tried during the outage: they failed before reaching the server, so they are fresh.
            assertThat(after.subList(100, 130)).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);

            List<ClaimRequest> otherOrigins = new ArrayList<>();
            for (ClaimRequest r : requests(ns, 0, 200)) {
                otherOrigins.add(new ClaimRequest(ns, r.key(), new Origin("orders", 1, 0), "c2", null, r.lease()));
            }
            assertThat(store.claim(otherOrigins))
                    .extracting(ClaimResult::outcome)
                    .containsOnly(ClaimOutcome.DUPLICATE);
        }
    }

    /** The pool reconnects on its own; the first calls after the restart may still fail. */
    private static List<ClaimResult> claimWhenBack(IdempotencyStore store, List<ClaimRequest> requests) {
        IdempotencyStoreException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                return store.claim(requests);
            } catch (IdempotencyStoreException e) {
                last = e;
            }
        }
        throw new AssertionError("the store did not recover after the restart", last);
    }

    @Test
    @DisplayName("a wrong password fails at open with a clear error that does not contain it")
    void shouldRejectWrongPassword() {
        String wrong = "wrong-" + UUID.randomUUID();
        assertThatThrownBy(() -> IdempotencyStores.open(Databases.with(pg.url(), "password=" + wrong)))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("cannot connect")
                .hasMessageContaining("password authentication failed")
                .hasMessageNotContaining(wrong)
                .satisfies(e -> {
                    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                        assertThat(String.valueOf(t.getMessage())).doesNotContain(wrong);
                    }
                    assertThat(e.toString()).doesNotContain(wrong);
                });
    }
}
