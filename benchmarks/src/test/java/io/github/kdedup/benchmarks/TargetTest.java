package io.github.kdedup.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every target against its real server (see {@link Services} for where they are found): what the
 * benchmark counts as won, duplicate and completed must be true of the store, the raw backend and
 * the peer alike, or their ratios compare different work.
 */
@DisplayName("Every benchmark target")
class TargetTest {

    private static final String[] KEYS = {"evt-a", "evt-b", "evt-c", "evt-d", "evt-e"};

    @ParameterizedTest(name = "{0}")
    @EnumSource(Target.class)
    @DisplayName("wins fresh keys once, answers preloaded keys as duplicates, and forgets every key when cleared")
    void shouldWinFreshKeysOnceAndForgetThemWhenCleared(Target target) {
        try (ClaimTarget<?> opened = target.open(Services.randomId())) {
            check(target, opened);
        }
    }

    private static <B> void check(Target target, ClaimTarget<B> opened) {
        B fresh = opened.prepare(KEYS, 0, 3);
        if (target.role() == Target.Role.RAW) {
            assertThat(opened.claim(fresh)).isEqualTo(3);
            assertThatThrownBy(() -> opened.cycle(fresh))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("ClaimBenchmark.claim");
        } else {
            assertThat(opened.cycle(fresh)).as("keys completed").isEqualTo(3);
        }
        assertThat(opened.claim(fresh)).as("keys won again").isZero();

        opened.preload(new String[] {KEYS[3]});
        assertThat(opened.claim(opened.prepare(KEYS, 3, 5)))
                .as("preloaded key is a duplicate")
                .isEqualTo(1);

        opened.clear();
        assertThat(opened.claim(fresh)).as("keys won after clear").isEqualTo(3);
    }
}
