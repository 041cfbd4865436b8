package io.github.kdedup.examples.demo;

import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What the demo's consumer does with one poll: hand each record to the handler, or drop it as a
 * duplicate. The two implementations are kdedup's record processor ({@link KdedupStep}) and
 * nothing at all ({@link NoDedupStep}), so that one run can show the problem and the other the
 * fix. One instance per consumer thread; not thread-safe.
 */
interface DedupStep extends AutoCloseable {

    /**
     * Handles one poll's records in offset order per partition.
     *
     * @param records the records of the poll
     * @param handler applies the side effect of one record; a {@link SimulatedCrash} it throws goes
     *     through with nothing released
     */
    void process(List<ConsumerRecord<String, String>> records, Consumer<ConsumerRecord<String, String>> handler);

    @Override
    void close();
}
