package io.github.kdedup.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The application's processing of one record, run by {@link DedupProcessor} while it holds the
 * record's claim. Throwing releases the claim, so that a later delivery processes the record again.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface RecordHandler<K, V> {

    /**
     * Processes the record.
     *
     * @param record the record
     * @throws Exception when processing failed; the claim is released
     */
    void handle(ConsumerRecord<K, V> record) throws Exception;
}
