package io.github.kdedup.kafka;

import io.github.kdedup.ClaimResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hears about every duplicate, with both origins: for audits and tests. Give one to {@link
 * DedupConfig.Builder#listener(DedupListener)}, or name a class with a public no-argument
 * constructor in {@code kdedup.listener}. Called on the consuming thread, after the claim and before
 * the records are returned; it must be fast and must not throw (what it throws is logged and
 * ignored). Implementations must be thread-safe when shared by several consumers.
 */
@FunctionalInterface
public interface DedupListener {

    /**
     * A record was recognised as a copy of an event already seen.
     *
     * @param record the copy, which is dropped (or processed again when {@code result} is RECLAIMED)
     * @param result the claim result: {@link ClaimResult#cause()} is the cause and {@code
     *     result.existing().get().origin()} the origin of the original copy
     */
    void onDuplicate(ConsumerRecord<?, ?> record, ClaimResult result);
}
