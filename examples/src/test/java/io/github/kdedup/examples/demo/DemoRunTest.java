package io.github.kdedup.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.DuplicateCause;
import io.github.kdedup.examples.broker.EmbeddedKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The demo's main flow")
class DemoRunTest {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static DemoReport run(boolean dedup) throws InterruptedException {
        DemoOptions options = new DemoOptions(kafka.bootstrapServers(), "memory:", 800, 3, 2, 0.2, true, dedup);
        StringWriter progress = new StringWriter();
        DemoReport report = new DemoRun(options, new PrintWriter(progress, true)).run();
        StringWriter printed = new StringWriter();
        report.print(new PrintWriter(printed, true));
        System.out.println(progress + "" + printed);
        return report;
    }

    @Test
    @DisplayName("with dedup on, loses nothing and processes no event twice, though the group sees all three causes")
    void shouldProcessEachEventOnceWithDedupOn() throws InterruptedException {
        DemoReport report = run(true);

        assertThat(report.complete()).isTrue();
        assertThat(report.crash()).as("the victim crashed").isNotNull();
        assertThat(report.eventsLost()).isZero();
        assertThat(report.processedTwice()).isZero();
        assertThat(report.eventsProcessed()).isEqualTo(800);
        assertThat(report.recordsInLog()).isGreaterThan(800);
        assertThat(report.duplicates().get(DuplicateCause.REPUBLISHED)).isPositive();
        assertThat(report.duplicates().get(DuplicateCause.REDELIVERED)).isPositive();
        assertThat(report.duplicates().get(DuplicateCause.RETRIED)).isPositive();
        assertThat(report.examples().get(DuplicateCause.REPUBLISHED))
                .first()
                .asString()
                .matches("event evt-\\d+ at orders-\\w+-\\d+@\\d+ is a duplicate of orders-\\w+-\\d+@\\d+");
        assertThat(report.passed()).isTrue();
    }

    @Test
    @DisplayName("with dedup off, the same run processes republished and redelivered events twice")
    void shouldProcessEventsTwiceWithDedupOff() throws InterruptedException {
        DemoReport report = run(false);

        assertThat(report.complete()).isTrue();
        assertThat(report.crash()).isNotNull();
        assertThat(report.eventsLost()).isZero();
        assertThat(report.processedTwice()).isPositive();
        assertThat(report.bookings())
                .as("every copy in the log is booked")
                .isGreaterThanOrEqualTo(report.recordsInLog());
        assertThat(report.passed()).as("nothing lost: the run itself succeeds").isTrue();
    }
}
