package io.github.kdedup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import io.github.kdedup.tck.TestServices;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("kdedup inspect")
class InspectCommandTest {

    private final String namespace = "inspect-" + UUID.randomUUID();

    /** Claims {@code done} and completes it (origin orders-3@1042), claims {@code busy} (orders-1@7). */
    private void seed(IdempotencyStore store, String done, String busy) {
        List<ClaimResult> claimed = store.claim(List.of(
                new ClaimRequest(
                        namespace, done, new Origin("orders", 3, 1042), "consumer-1", "fp-1", Duration.ofMinutes(5)),
                new ClaimRequest(
                        namespace, busy, new Origin("orders", 1, 7), "consumer-2", null, Duration.ofMinutes(5))));
        assertThat(claimed).allSatisfy(r -> assertThat(r.owns()).isTrue());
        store.complete(List.of(claimed.get(0).claim()), Duration.ofDays(7));
    }

    @Test
    @DisplayName("prints state, origin, owner, fingerprint and expiry of each key, and 'no record' for the others")
    void shouldPrintEachRecordOnAMemoryStore() {
        StringWriter out = new StringWriter();
        try (IdempotencyStore store = IdempotencyStores.open("memory:")) {
            seed(store, "evt-done", "evt-busy");

            int code = InspectCommand.inspect(
                    store,
                    namespace,
                    List.of("evt-done", "evt-busy", "evt-none"),
                    false,
                    Instant.now(),
                    new PrintWriter(out, true));

            assertThat(code).isEqualTo(InspectCommand.SOME_MISSING);
        }
        System.out.println(out);
        assertThat(out.toString())
                .containsPattern(
                        "(?m)^  evt-done  COMPLETED      origin orders-3@1042  owner consumer-1  fingerprint fp-1"
                                + "  expires in 6d 23h 59m \\d+s \\(")
                .contains("a copy at another offset is dropped as republished, orders-3@1042 read again as redelivered")
                .containsPattern("(?m)^  evt-busy  IN_PROGRESS    origin orders-1@7  owner consumer-2  fingerprint -"
                        + "  expires in 4m \\d+s")
                .containsPattern("(?m)^  evt-none  no record +never claimed, released, or expired");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "postgresql", "mariadb"})
    @DisplayName("reads the live record from a real store by its URI, exit code 0 when every key has one")
    void shouldInspectARealStore(String kind) throws Exception {
        String table = "kdedup_inspect_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String uri =
                switch (kind) {
                    case "redis" -> TestServices.redisUri();
                    case "postgresql" -> TestServices.postgresUrl() + "&kdedupTable=" + table;
                    default -> TestServices.mariadbUrl() + "&kdedupTable=" + table;
                };
        try (IdempotencyStore store = IdempotencyStores.open(uri)) {
            seed(store, "evt-done", "evt-busy");
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            int code = Kdedup.execute(
                    new String[] {"inspect", "--store", uri, "--namespace", namespace, "evt-done", "evt-busy"},
                    new PrintWriter(out, true),
                    new PrintWriter(err, true));

            System.out.println(out + "" + err);
            assertThat(code).isEqualTo(InspectCommand.ALL_FOUND);
            assertThat(out.toString())
                    .contains("namespace " + namespace)
                    .containsPattern("(?m)^  evt-done  COMPLETED      origin orders-3@1042  owner consumer-1")
                    .containsPattern("(?m)^  evt-busy  IN_PROGRESS    origin orders-1@7  owner consumer-2");
        } finally {
            if (!kind.equals("redis")) {
                String url = kind.equals("postgresql") ? TestServices.postgresUrl() : TestServices.mariadbUrl();
                try (Connection c = DriverManager.getConnection(url);
                        Statement s = c.createStatement()) {
                    s.execute("DROP TABLE IF EXISTS " + table);
                }
            }
        }
    }

    @Test
    @DisplayName("exits with 4 and one line when the store does not answer, without printing the password")
    void shouldReportAnUnreachableStore() {
        StringWriter err = new StringWriter();
        int code = Kdedup.execute(
                new String[] {
                    "inspect", "--store", "redis://:s3cret-pw@127.0.0.1:1?timeout=PT0.5S", "--namespace", "n", "k"
                },
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));

        assertThat(code).isEqualTo(Kdedup.STORE_UNAVAILABLE);
        assertThat(err.toString().strip()).startsWith("error: ").doesNotContain("\n", "s3cret-pw");
    }
}
