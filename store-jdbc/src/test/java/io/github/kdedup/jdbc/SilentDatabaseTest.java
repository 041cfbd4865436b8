package io.github.kdedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A database that stops answering while its connections stay open (a hung server, a network that
 * drops packets): a {@link TcpProxy} between the store and the shared server turns into a black
 * hole. With no timeout in the URL, every operation must fail within the documented default bound,
 * {@code kdedupConnectionTimeout + kdedupSocketTimeout}, and the store must answer again once the
 * database does.
 */
@DisplayName("JDBC store on a database that stops answering")
class SilentDatabaseTest {

    /** The default bound: the connection timeout plus the socket timeout, which defaults to it. */
    private static final Duration BOUND = JdbcStoreProvider.DEFAULT_CONNECTION_TIMEOUT.multipliedBy(2);

    /** Scheduling noise on a busy machine; the bound itself is what is checked. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    /** Where a test would hang for ever without the fix: fail instead. */
    private static final Duration NEVER = Duration.ofSeconds(60);

    private static final Pattern HOST_PORT = Pattern.compile("^(jdbc:[a-z]+://)([^/:?]+):(\\d+)(.*)$");

    @Test
    @DisplayName("on PostgreSQL, each claim and complete fails with a store exception within the default bound, "
            + "and the store answers again when the database does")
    void shouldBoundEveryCallOnPostgres() {
        shouldBoundEveryCall(Databases.postgresUrl());
    }

    @Test
    @DisplayName("on MariaDB, each claim and complete fails with a store exception within the default bound, "
            + "and the store answers again when the database does")
    void shouldBoundEveryCallOnMariaDb() {
        shouldBoundEveryCall(Databases.mariadbUrl());
    }

    private static void shouldBoundEveryCall(String url) {
        Matcher m = HOST_PORT.matcher(url);
        assertThat(m.matches()).as("a host and port in %s", url).isTrue();
        String table = Databases.randomTable();
        String ns = "silent-" + UUID.randomUUID();
        try (TcpProxy proxy = TcpProxy.start(m.group(2), Integer.parseInt(m.group(3)))) {
            String proxied = m.group(1) + "127.0.0.1:" + proxy.port() + m.group(4);
            IdempotencyStore store = IdempotencyStores.open(Databases.with(proxied, "kdedupTable=" + table));
            try {
                List<ClaimResult> held = store.claim(requests(ns, 0, 10));
                assertThat(held).extracting(ClaimResult::outcome).containsOnly(ClaimOutcome.CLAIMED);
                List<Claim> claims = held.stream().map(ClaimResult::claim).collect(Collectors.toList());

                proxy.blackHole();
                try {
                    failsWithinBound("claim of 10 keys", () -> store.claim(requests(ns, 10, 20)));
                    failsWithinBound("complete of 10 keys", () -> store.complete(claims, Duration.ofHours(1)));
                } finally {
                    proxy.restore();
                }

                assertThat(whenBack(() -> store.complete(claims, Duration.ofHours(1))))
                        .as("completions after the database answers again")
                        .containsOnly(true);
            } finally {
                store.close();
            }
        } finally {
            Databases.drop(url, table);
        }
    }

    private static void failsWithinBound(String operation, Runnable call) {
        long start = System.nanoTime();
        assertTimeoutPreemptively(NEVER, () -> assertThatThrownBy(call::run)
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining(operation));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("time until the %s failed", operation).isLessThan(BOUND.plus(SLACK));
    }

    /** The pool replaces the connections the black hole broke; the first call after it may still fail. */
    private static <T> T whenBack(Supplier<T> call) {
        IdempotencyStoreException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                return call.get();
            } catch (IdempotencyStoreException e) {
                last = e;
            }
        }
        throw new AssertionError("the store did not answer again after the database did", last);
    }

    private static List<ClaimRequest> requests(String ns, int from, int to) {
        return IntStream.range(from, to)
                .mapToObj(
                        i -> new ClaimRequest(ns, "k" + i, new Origin("orders", 0, i), "c1", null, Duration.ofHours(1)))
                .collect(Collectors.toList());
    }
}
