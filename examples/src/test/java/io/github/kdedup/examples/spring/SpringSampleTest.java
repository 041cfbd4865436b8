package io.github.kdedup.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Spring Boot sample")
class SpringSampleTest {

    @Test
    @DisplayName("bills each order once and explains each dropped copy")
    void shouldBillEachOrderOnceAndExplainTheCopies() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SpringSample.Result result;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            result = SpringSample.run(out);
        }
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(result.billed()).hasSize(SpringSample.ORDERS);
        assertThat(result.billed().values()).allMatch(n -> n.get() == 1);
        assertThat(result.dropped().get()).isEqualTo(SpringSample.REPUBLISHED);
        assertThat(output)
                .contains("13 records consumed: 10 orders billed once each, 3 copies dropped by kdedup")
                .contains("republished copy of");
    }
}
