/**
 * The Kafka integration: a {@link io.github.kdedup.kafka.DedupConsumerInterceptor} configured only
 * by consumer properties, and a {@link io.github.kdedup.kafka.DedupProcessor} that runs your handler
 * between claim and complete. Both share one {@link io.github.kdedup.kafka.DedupConfig}, whose
 * {@code kdedup.*} settings are declared in {@link io.github.kdedup.kafka.DedupSettings}.
 *
 * <p>Framework integrations build on the same two public pieces: {@link
 * io.github.kdedup.kafka.DedupEngine}, which decides a batch of records (one store call, every
 * policy, one {@link io.github.kdedup.kafka.Verdict} per record), and {@link
 * io.github.kdedup.kafka.PendingClaims}, which completes or releases claims by the commit rule (the
 * interceptor's, the Spring container's and the Kafka Streams processor's alike).
 *
 * <p>Unless a type says otherwise, no parameter and no return value is {@code null}.
 */
@NullMarked
package io.github.kdedup.kafka;

import org.jspecify.annotations.NullMarked;
