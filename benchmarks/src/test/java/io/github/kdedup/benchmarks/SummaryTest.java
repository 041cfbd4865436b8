package io.github.kdedup.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The benchmark summary")
class SummaryTest {

    private static Map<String, Summary.Score> scores() {
        Map<String, Summary.Score> scores = new LinkedHashMap<>();
        scores.put(cycle(Target.Memory, 500), new Summary.Score(600_000, 10_000));
        scores.put(Summary.claimKey(Target.RawCaffeine, "claim", 500, "0"), new Summary.Score(1_000_000, 10_000));
        scores.put(cycle(Target.CamelCaffeine, 1), new Summary.Score(2_000_000, 10_000));
        scores.put(cycle(Target.CamelMemory, 1), new Summary.Score(3_000_000, 10_000));
        scores.put(cycle(Target.Redis, 500), new Summary.Score(200_000, 1_000));
        scores.put(cycle(Target.Redis, 1), new Summary.Score(20_000, 100));
        scores.put(Summary.claimKey(Target.RawRedis, "claim", 500, "0"), new Summary.Score(500_000, 1_000));
        scores.put(cycle(Target.CamelRedis, 1), new Summary.Score(18_000, 100));
        scores.put(cycle(Target.SpringRedis, 1), new Summary.Score(25_000, 100));
        scores.put(Summary.consume("plain"), new Summary.Score(400_000, 1_000));
        scores.put(Summary.consume("interceptor:memory"), new Summary.Score(380_000, 1_000));
        return scores;
    }

    private static String cycle(Target target, int batchSize) {
        return Summary.claimKey(target, "cycle", batchSize, "0");
    }

    @Test
    @DisplayName("marks each target met or missed from the ratio of one run, against the fastest peer")
    void shouldMarkTargetsMetOrMissed() {
        String report = Summary.report("quick", scores());

        assertThat(report)
                .contains("| memory store cycle, batch 500 / raw claim | 0.60 | RawCaffeine | >= 0.50 | met |")
                .contains("| memory store cycle, batch 500 / best peer | 0.20 | CamelMemory | >= 1.00 | MISSED |")
                .contains("| redis store cycle, batch 500 / raw claim | 0.40 | RawRedis | >= 0.50 | MISSED |")
                .contains("| redis store cycle, batch 500 / best peer | 8.00 | SpringRedis | >= 10.0 | MISSED |")
                .contains("| redis store cycle, batch 1 / best peer | 0.80 | SpringRedis | >= 0.50 | met |")
                .contains("| memory store cycle, batch 1 / best peer | n/a | CamelMemory | >= 0.50 | not measured |")
                .contains("| consumer + interceptor (memory) / plain | 0.95 | plain | >= 0.90 | met |")
                .contains("| postgres store cycle, batch 500 / raw claim | n/a | - | >= 0.50 | not measured |")
                .doesNotContain("postgres store claim");
    }

    @Test
    @DisplayName("draws one bar per measured score of a store, a raw baseline or a peer, in valid SVG")
    void shouldDrawOneBarPerMeasurement() {
        String svg = Chart.svg("quick", scores());

        assertThat(svg).startsWith("<svg").endsWith("</svg>\n");
        assertThat(svg.split("<title>", -1)).hasSize(10);
        assertThat(svg)
                .contains("cycle Redis batch=1 duplicates=0: 20,000/s")
                .contains("Camel CaffeineIdempotentRepository")
                .doesNotContain(">postgres<");
    }

    @Test
    @DisplayName("runs every target in the full profile, and names the profiles it knows when given another")
    void shouldCoverEveryTargetInTheFullProfile() {
        Summary.Profile full = Summary.Profile.of("full");

        assertThat(full.claims().stream().flatMap(run -> run.targets().stream()))
                .containsAll(Arrays.asList(Target.values()));
        assertThatThrownBy(() -> Summary.Profile.of("fast"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fast'")
                .hasMessageContaining("quick or full");
    }
}
