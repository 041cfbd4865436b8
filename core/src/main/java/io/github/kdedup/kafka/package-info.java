/**
 * The Kafka integration: a {@link io.github.kdedup.kafka.DedupConsumerInterceptor} configured only
 * by consumer properties, and a {@link io.github.kdedup.kafka.DedupProcessor} that runs your handler
 * between claim and complete. Both share one {@link io.github.kdedup.kafka.DedupConfig}, whose
 * {@code kdedup.*} properties are listed there.
 *
 * <p>Unless a type says otherwise, no parameter and no return value is {@code null}.
 */
@NullMarked
package io.github.kdedup.kafka;

import org.jspecify.annotations.NullMarked;
