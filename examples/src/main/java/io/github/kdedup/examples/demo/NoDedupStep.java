package io.github.kdedup.examples.demo;

import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** No dedup: every delivered record is handled, which is what a plain consumer does. */
final class NoDedupStep implements DedupStep {

    @Override
    public void process(
            List<ConsumerRecord<String, String>> records, Consumer<ConsumerRecord<String, String>> handler) {
        records.forEach(handler);
    }

    @Override
    public void close() {}
}
