package io.github.kdedup.examples.demo;

import io.github.kdedup.kafka.CompletionMode;
import org.jspecify.annotations.Nullable;

/**
 * What one demo run does. Immutable; the constructor rejects values that make no sense, with the
 * rule and the value.
 *
 * @param bootstrapServers an external cluster, or {@code null} to start Kafka in this JVM
 * @param storeUri the store, such as {@code memory:} or {@code redis://localhost:6379}
 * @param events how many unique events to produce, at least 1
 * @param partitions partitions of the demo topic, at least {@code consumers}: a member without a
 *     partition would sit idle, and the crash needs the victim to own one
 * @param consumers members of the consumer group, at least 1 (2 or more to crash one)
 * @param republishShare the share of events written twice, 0 to 1
 * @param crash whether to kill one consumer in the middle of a batch, before its commit
 * @param dedup whether the consumers use kdedup
 * @param completion when the record processor completes its claims
 * @param keep whether to keep the topic and the consumer group on an external cluster
 */
public record DemoOptions(
        @Nullable String bootstrapServers,
        String storeUri,
        int events,
        int partitions,
        int consumers,
        double republishShare,
        boolean crash,
        boolean dedup,
        CompletionMode completion,
        boolean keep) {

    /** Checks the values. */
    public DemoOptions {
        require(events >= 1 && events <= 10_000_000, "--events must be 1 to 10000000, got " + events);
        require(partitions >= 1 && partitions <= 1000, "--partitions must be 1 to 1000, got " + partitions);
        require(consumers >= 1 && consumers <= 64, "--consumers must be 1 to 64, got " + consumers);
        require(
                republishShare >= 0 && republishShare <= 1,
                "--republish-share must be between 0 and 1 (0.1 = 10 %), got " + republishShare);
        require(
                !crash || consumers >= 2,
                "--crash needs at least 2 consumers, so that another member takes over (got --consumers " + consumers
                        + "); add --no-crash or raise --consumers");
        // Refused rather than adapted: a group never gives one partition to two members, so the extra
        // members would idle and the crash could hit a member that owns nothing.
        require(
                consumers <= partitions,
                "--consumers (" + consumers + ") must not exceed --partitions (" + partitions
                        + "): a member without a partition sits idle; raise --partitions to " + consumers
                        + " or more, or lower --consumers");
        if (completion == null) {
            throw new IllegalArgumentException("completion must not be null");
        }
    }

    /**
     * The options of a run with per-record completion whose topic and group are deleted at the end.
     *
     * @param bootstrapServers an external cluster, or {@code null} to start Kafka in this JVM
     * @param storeUri the store
     * @param events unique events
     * @param partitions partitions of the topic
     * @param consumers members of the group
     * @param republishShare the share of events written twice
     * @param crash whether to kill one consumer
     * @param dedup whether the consumers use kdedup
     */
    public DemoOptions(
            @Nullable String bootstrapServers,
            String storeUri,
            int events,
            int partitions,
            int consumers,
            double republishShare,
            boolean crash,
            boolean dedup) {
        this(
                bootstrapServers,
                storeUri,
                events,
                partitions,
                consumers,
                republishShare,
                crash,
                dedup,
                CompletionMode.PER_RECORD,
                false);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
