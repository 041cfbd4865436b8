/**
 * Kafka Streams integration: a {@code processValues} step that forwards each event once over any
 * {@link io.github.kdedup.IdempotencyStore} and completes its claims only once their input offsets are
 * committed. Start at {@link io.github.kdedup.streams.StreamsDedup}.
 */
@NullMarked
package io.github.kdedup.streams;

import org.jspecify.annotations.NullMarked;
