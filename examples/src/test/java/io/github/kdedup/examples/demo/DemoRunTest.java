package io.github.kdedup.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.DuplicateCause;
import io.github.kdedup.kafka.CompletionMode;
import io.github.kdedup.testkafka.TestKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The demo's main flow")
class DemoRunTest {

    /** A run and what it printed (progress, then the report). */
    private record Run(DemoReport report, String progress, String printed) {}

    private static Run run(boolean dedup, boolean crash, CompletionMode completion, boolean keep)
            throws InterruptedException {
        // The in-JVM broker is passed as an external cluster: the run creates and deletes its own topic.
        DemoOptions options = new DemoOptions(
                TestKafka.bootstrapServers(), "memory:", 800, 3, 2, 0.2, crash, dedup, completion, keep);
        StringWriter progress = new StringWriter();
        DemoReport report = new DemoRun(options, new PrintWriter(progress, true)).run();
        StringWriter printed = new StringWriter();
        report.print(new PrintWriter(printed, true));
        System.out.println(progress + "" + printed);
        return new Run(report, progress.toString(), printed.toString());
    }

    private static Run run(boolean dedup) throws InterruptedException {
        return run(dedup, true, CompletionMode.PER_RECORD, false);
    }

    private static void assertAddsUp(DemoReport report) {
        assertThat(report.addsUp()).isTrue();
        assertThat(report.recordsDelivered())
                .as("delivered = handled + dropped + unhandled")
                .isEqualTo(report.bookings() + report.dropped() + report.unhandled());
        assertThat(report.bookings())
                .as("handler calls = distinct events + repeats")
                .isEqualTo(report.eventsProcessed() + report.repeats());
    }

    @Test
    @DisplayName("with dedup on, loses nothing and processes no event twice, though the group sees all three causes")
    void shouldProcessEachEventOnceWithDedupOn() throws InterruptedException {
        Run run = run(true);
        DemoReport report = run.report();

        assertThat(report.complete()).isTrue();
        assertThat(report.crash()).as("the victim crashed").isNotNull();
        assertThat(report.eventsLost()).isZero();
        assertThat(report.processedTwice()).isZero();
        assertThat(report.eventsProcessed()).isEqualTo(800);
        assertThat(report.bookings())
                .as("retried records are handled once, not dropped")
                .isEqualTo(800);
        assertThat(report.recordsInLog()).isGreaterThan(800);
        assertThat(report.duplicates().get(DuplicateCause.REPUBLISHED)).isPositive();
        assertThat(report.duplicates().get(DuplicateCause.REDELIVERED)).isPositive();
        assertThat(report.duplicates().get(DuplicateCause.RETRIED)).isPositive();
        assertThat(report.unhandled()).as("the rest of the crashed batch").isPositive();
        assertThat(report.dropped())
                .as("retried is not counted as dropped")
                .isEqualTo(report.duplicates().get(DuplicateCause.REPUBLISHED)
                        + report.duplicates().get(DuplicateCause.REDELIVERED));
        assertAddsUp(report);
        assertThat(report.examples().get(DuplicateCause.REPUBLISHED))
                .first()
                .asString()
                .matches("event evt-\\d+ at orders-\\w+-\\d+@\\d+ is a duplicate of orders-\\w+-\\d+@\\d+");
        assertThat(run.printed())
                .containsPattern("adds up +OK +delivered " + report.recordsDelivered() + " = handled "
                        + report.bookings() + " \\+ dropped " + report.dropped() + " \\+ unhandled "
                        + report.unhandled())
                .contains("RESULT: OK, each event processed exactly once");
        assertThat(report.passed()).isTrue();
    }

    @Test
    @DisplayName("with dedup off, the same run processes republished and redelivered events again, and says how often")
    void shouldProcessEventsTwiceWithDedupOff() throws InterruptedException {
        Run run = run(false);
        DemoReport report = run.report();

        assertThat(report.complete()).isTrue();
        assertThat(report.crash()).isNotNull();
        assertThat(report.eventsLost()).isZero();
        assertThat(report.processedTwice()).isPositive();
        assertThat(report.dropped()).isZero();
        assertThat(report.bookings())
                .as("every copy in the log is booked")
                .isGreaterThanOrEqualTo(report.recordsInLog());
        assertAddsUp(report);
        assertThat(run.printed())
                .contains("handler calls " + report.bookings() + " = " + report.eventsProcessed() + " + "
                        + report.repeats() + " repeats")
                .contains("RESULT: nothing lost, but " + report.processedTwice() + " events processed more than once ("
                        + report.repeats() + " repeated handler calls, dedup off)");
        assertThat(report.passed()).as("nothing lost: the run itself succeeds").isTrue();
    }

    @Test
    @DisplayName("without a crash, prints no crash, no retried and no unhandled line")
    void shouldPrintNoCrashLinesWithoutACrash() throws InterruptedException {
        Run run = run(true, false, CompletionMode.PER_RECORD, false);
        DemoReport report = run.report();

        assertThat(report.crash()).isNull();
        assertThat(report.unhandled()).isZero();
        assertThat(report.recordsDelivered()).isEqualTo(report.recordsInLog());
        assertAddsUp(report);
        assertThat(run.printed()).doesNotContain("crash", "retried", "unhandled  ");
        assertThat(report.passed()).isTrue();
    }

    @Test
    @DisplayName("with per-batch completion, repeats at most the handled part of the crashed poll, and says so")
    void shouldBoundRepeatsByTheCrashedPollPerBatch() throws InterruptedException {
        Run run = run(true, true, CompletionMode.PER_BATCH, false);
        DemoReport report = run.report();

        assertThat(report.crash()).isNotNull();
        assertThat(report.eventsLost()).isZero();
        assertThat(report.processedTwice()).isLessThanOrEqualTo(report.handledBeforeCrash());
        assertAddsUp(report);
        assertThat(run.printed()).contains("completion per-batch");
        assertThat(report.passed()).isTrue();
    }

    @Test
    @DisplayName("on an external cluster, deletes its topic and group at the end, and keeps them with --keep")
    void shouldCleanUpUnlessKept() throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            Set<String> topicsBefore = admin.listTopics().names().get();

            Run deleted = run(true, false, CompletionMode.PER_RECORD, false);
            assertThat(deleted.progress()).containsPattern("deleted topic orders-\\w+ and group kdedup-demo-\\w+");
            assertThat(admin.listTopics().names().get()).isEqualTo(topicsBefore);
            assertThat(groups(admin)).noneMatch(g -> deleted.progress().contains("group " + g + " "));

            Run kept = run(true, false, CompletionMode.PER_RECORD, true);
            assertThat(kept.progress()).contains("(--keep); delete them with:", "kafka-topics.sh", "--delete");
            Set<String> added = admin.listTopics().names().get().stream()
                    .filter(t -> !topicsBefore.contains(t))
                    .collect(Collectors.toSet());
            assertThat(added).singleElement().asString().startsWith("orders-");
            assertThat(groups(admin)).anyMatch(g -> kept.progress().contains("group " + g + " "));
            admin.deleteTopics(added).all().get();
        }
    }

    private static Set<String> groups(Admin admin) throws Exception {
        return admin.listGroups().all().get().stream()
                .map(GroupListing::groupId)
                .collect(Collectors.toSet());
    }
}
