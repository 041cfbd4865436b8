package io.github.kdedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Subset")
class SubsetTest {

    @Test
    @DisplayName("picks elements at its positions and puts their answers back at the same positions")
    void shouldPickAndPutBack() {
        Subset subset = new Subset(5);
        subset.add(1);
        subset.add(3);
        assertThat(subset.pick(List.of("a", "b", "c", "d", "e"))).containsExactly("b", "d");
        String[] answers = new String[5];
        subset.putBack(List.of("B", "D"), answers);
        assertThat(answers).containsExactly(null, "B", null, "D", null);
        assertThat(subset.isWhole()).isFalse();
    }

    @Test
    @DisplayName("a whole subset picks the batch itself")
    void shouldPickTheWholeBatch() {
        Subset subset = new Subset(40);
        for (int i = 0; i < 40; i++) {
            subset.add(i);
        }
        List<Integer> batch = java.util.stream.IntStream.range(0, 40).boxed().toList();
        assertThat(subset.isWhole()).isTrue();
        assertThat(subset.pick(batch)).isSameAs(batch);
    }

    @Test
    @DisplayName("refuses positions out of order or out of the batch, and answers of the wrong count")
    void shouldRejectMisuse() {
        Subset subset = new Subset(3);
        subset.add(1);
        assertThatThrownBy(() -> subset.add(1)).hasMessageContaining("position 1 is not after the last one (1)");
        assertThatThrownBy(() -> subset.add(3)).hasMessageContaining("within a batch of 3");
        assertThatThrownBy(() -> subset.putBack(List.of("x", "y"), new String[3]))
                .hasMessageContaining("expected 1 answers, got 2");
        assertThatThrownBy(() -> subset.pick(List.of("a"))).hasMessageContaining("expected a batch of 3, got 1");
    }
}
