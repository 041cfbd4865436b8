package io.github.kdedup.examples.demo;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupProcessor;
import io.github.kdedup.kafka.KeyExtractor;
import io.github.kdedup.kafka.RecordOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * kdedup's record processor: one claim call for the whole poll, the handler for each record this
 * consumer now owns, its claim completed as soon as the handler returned. The outcomes feed the
 * report's duplicates by cause.
 */
final class KdedupStep implements DedupStep {

    private final DedupProcessor processor;
    private final DemoStats stats;

    KdedupStep(IdempotencyStore store, String namespace, DemoStats stats) {
        this.processor = DedupProcessor.create(
                store,
                DedupConfig.builder()
                        .namespace(namespace)
                        .keyExtractor(KeyExtractor.header(EventProducer.EVENT_ID_HEADER))
                        .lease(Duration.ofSeconds(30))
                        .retention(Duration.ofHours(1))
                        .build());
        this.stats = stats;
    }

    @Override
    public void process(
            List<ConsumerRecord<String, String>> records, Consumer<ConsumerRecord<String, String>> handler) {
        for (RecordOutcome outcome : processor.process(records, handler::accept)) {
            if (outcome.failed()) {
                throw new IllegalStateException("the handler failed on " + outcome, outcome.error());
            }
            outcome.cause()
                    .ifPresent(cause -> stats.duplicate(
                            cause,
                            eventId(outcome.record()),
                            where(outcome.record()),
                            outcome.original().orElseThrow().toString()));
        }
    }

    static String eventId(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(EventProducer.EVENT_ID_HEADER);
        return header == null ? where(record) : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String where(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    @Override
    public void close() {
        processor.close();
    }
}
