package io.github.kdedup.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The benchmark summary")
class SummaryTest {

    private static Map<String, Summary.Score> scores() {
        Map<String, Summary.Score> scores = new LinkedHashMap<>();
        scores.put(Summary.claim("memory"), new Summary.Score(600_000, 10_000));
        scores.put(Summary.claim("caffeine-putIfAbsent"), new Summary.Score(1_000_000, 10_000));
        scores.put(Summary.claim("redis"), new Summary.Score(200_000, 1_000));
        scores.put(Summary.claim("jedis-pipelined-set-nx-px"), new Summary.Score(500_000, 1_000));
        scores.put(Summary.claimKey("redis", "1", "0"), new Summary.Score(20_000, 100));
        scores.put(Summary.consume("plain"), new Summary.Score(400_000, 1_000));
        scores.put(Summary.consume("interceptor:memory"), new Summary.Score(380_000, 1_000));
        return scores;
    }

    @Test
    @DisplayName("marks each target met or missed from the ratio of one run")
    void shouldMarkTargetsMetOrMissed() {
        String report = Summary.report("quick", scores());

        assertThat(report)
                .contains("| memory store / raw Caffeine putIfAbsent | 0.60 | >= 0.50 | met |")
                .contains("| redis store / raw pipelined SET NX PX | 0.40 | >= 0.50 | MISSED |")
                .contains("| redis store / one SET NX per record | n/a | >= 10 | not measured |")
                .contains("| consumer + interceptor (memory) / plain | 0.95 | >= 0.85 | met |")
                .doesNotContain("postgres store /");
    }

    @Test
    @DisplayName("draws one bar per measured target and batch size, in valid SVG")
    void shouldDrawOneBarPerMeasurement() {
        String svg = Summary.chart("quick", scores());

        assertThat(svg).startsWith("<svg").endsWith("</svg>\n");
        assertThat(svg.split("<title>", -1)).hasSize(6);
        assertThat(svg).contains("redis batch 1: 20,000/s").contains("memory batch 500: 600,000/s");
    }
}
