package io.github.kdedup.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The README's "store API" snippet, run as written there (between the README markers). */
class ReadmeStoreApiTest {

    private final List<String> processed = new ArrayList<>();
    private final List<String> log = new ArrayList<>();

    private void process(ClaimRequest request) {
        processed.add(request.key() + "@" + request.origin());
    }

    private ClaimResult claimOnce(IdempotencyStore store, long offset) {
        // README:begin store-api
        ClaimRequest request = new ClaimRequest(
                "billing", "order-42", new Origin("orders", 3, offset), "consumer-1", null, Duration.ofMinutes(5));
        ClaimResult result = store.claim(List.of(request)).get(0);
        if (result.owns()) {
            process(request); // your side effect
            store.complete(List.of(result.claim()), Duration.ofDays(7));
        } else {
            log.add(request.origin() + " is a duplicate of "
                    + result.existing().orElseThrow().origin() + " ("
                    + result.cause().orElseThrow() + ")");
        }
        // README:end store-api
        return result;
    }

    @Test
    @DisplayName("the store API example processes the first copy and names the second a republish")
    void shouldRunStoreApiExample() {
        try (IdempotencyStore store = IdempotencyStores.open("memory:")) {
            assertThat(claimOnce(store, 1042).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
            ClaimResult again = claimOnce(store, 1107);
            assertThat(again.outcome()).isEqualTo(ClaimOutcome.DUPLICATE);
            assertThat(again.cause()).contains(DuplicateCause.REPUBLISHED);
        }
        assertThat(processed).containsExactly("order-42@orders-3@1042");
        assertThat(log).containsExactly("orders-3@1107 is a duplicate of orders-3@1042 (REPUBLISHED)");
    }
}
