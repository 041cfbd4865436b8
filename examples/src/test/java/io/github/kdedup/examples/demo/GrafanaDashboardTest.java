package io.github.kdedup.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupProcessor;
import io.github.kdedup.kafka.Fingerprinter;
import io.github.kdedup.kafka.KeyExtractor;
import io.github.kdedup.kafka.MicrometerDedupMetrics;
import io.github.kdedup.kafka.RecordOutcome;
import io.github.kdedup.kafka.StoreUnavailablePolicy;
import io.github.kdedup.tck.RedisServerProcess;
import io.github.kdedup.testkafka.TestKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Grafana dashboard")
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "kdedup-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("kdedup_[a-z0-9_]+");

    @Test
    @DisplayName(
            "queries only metrics that the demo's --metrics-port endpoint exports, and every kdedup metric exported")
    void shouldQueryExactlyTheExportedMetrics() throws Exception {
        Set<String> queried = queried();
        Set<String> exported;
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(0)) {
            MicrometerDedupMetrics metrics = MicrometerDedupMetrics.of(endpoint.registry());
            // A real demo run: claims of every outcome, duplicates of every cause, a takeover, store latency.
            DemoOptions options = new DemoOptions(TestKafka.bootstrapServers(), "memory:", 600, 2, 2, 0.2, true, true);
            DemoReport report = new DemoRun(options, new PrintWriter(new StringWriter(), true), metrics).run();
            assertThat(report.crash()).as("the crash makes the takeover meter").isNotNull();
            // The meters of bad days, which a healthy run never creates.
            recordWithoutKeyAndAMismatch(metrics);
            storeDownWithPassThrough(metrics);

            exported = scrape(endpoint.url());
        }

        assertThat(queried).as("the dashboard queries kdedup metrics").isNotEmpty();
        assertThat(exported)
                .as("every metric the dashboard queries is exported")
                .containsAll(queried);
        Set<String> unqueried = new TreeSet<>(exported);
        unqueried.removeAll(queried);
        assertThat(unqueried).as("every exported kdedup metric has a panel").isEmpty();
    }

    /** Every {@code kdedup_*} name in the dashboard's queries and variables. */
    private static Set<String> queried() throws Exception {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** Every {@code kdedup_*} sample name the endpoint serves. */
    private static Set<String> scrape(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        Set<String> names = new TreeSet<>();
        for (String line : response.body().split("\n")) {
            if (line.startsWith("kdedup_")) {
                Matcher m = METRIC.matcher(line);
                assertThat(m.lookingAt()).isTrue();
                names.add(m.group());
            }
        }
        return names;
    }

    private static ConsumerRecord<String, String> record(long offset, String eventId, String value) {
        ConsumerRecord<String, String> record = new ConsumerRecord<>("orders", 0, offset, null, value);
        if (eventId != null) {
            record.headers().add(EventProducer.EVENT_ID_HEADER, eventId.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private static void recordWithoutKeyAndAMismatch(MicrometerDedupMetrics metrics) {
        try (IdempotencyStore store = IdempotencyStores.open("memory:");
                DedupProcessor processor = DedupProcessor.create(
                        store,
                        DedupConfig.builder()
                                .namespace("bad-day")
                                .keyExtractor(KeyExtractor.header(EventProducer.EVENT_ID_HEADER))
                                .fingerprinter(Fingerprinter.valueSha256())
                                .metrics(metrics)
                                .build())) {
            List<RecordOutcome> outcomes = processor.process(
                    List.of(record(0, null, "no id"), record(1, "evt-1", "amount 10"), record(2, "evt-1", "amount 99")),
                    r -> {});
            assertThat(outcomes)
                    .extracting(RecordOutcome::processed, RecordOutcome::duplicate)
                    .containsExactly(tuple(true, false), tuple(true, false), tuple(false, true));
        }
    }

    private static void storeDownWithPassThrough(MicrometerDedupMetrics metrics) {
        try (RedisServerProcess redis = RedisServerProcess.start();
                IdempotencyStore store = IdempotencyStores.open(redis.uri() + "?timeout=PT0.5S")) {
            redis.stop();
            try (DedupProcessor processor = DedupProcessor.create(
                    store,
                    DedupConfig.builder()
                            .namespace("bad-day")
                            .onStoreUnavailable(StoreUnavailablePolicy.PASS_THROUGH)
                            .metrics(metrics)
                            .build())) {
                List<RecordOutcome> outcomes = processor.process(List.of(record(3, "evt-3", "x")), r -> {});
                assertThat(outcomes).extracting(RecordOutcome::processed).containsExactly(true);
            }
        }
    }
}
