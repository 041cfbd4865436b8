package io.github.kdedup;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where one copy of an event sits in Kafka: topic, partition and offset.
 *
 * <p>Two copies of the same event with the same origin are one record read twice (a
 * <em>redelivery</em>); with different origins they are two records (a <em>republish</em>).
 * Immutable and thread-safe; {@link #toString()} gives the short form {@code orders-3@1042}.
 *
 * @param topic the topic, not empty, at most {@value #MAX_TOPIC_LENGTH} characters of storable text
 *     ({@link IdempotencyKeys#requireStorable})
 * @param partition the partition, {@code >= 0}
 * @param offset the offset, {@code >= 0}
 */
public record Origin(String topic, int partition, long offset) {

    /** Kafka's own limit on topic names. */
    public static final int MAX_TOPIC_LENGTH = 249;

    // Kafka gives every record of a partition the same topic object: the last topic that passed its
    // checks is recognised by identity and not scanned again for each record. Racy on purpose, as in
    // ClaimRequest: a String is immutable, and a stale read only means checking again.
    private static @Nullable String checkedTopic;

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when the topic is empty, too long or not storable text (naming the
     *     position of the bad character), or a number is negative
     */
    public Origin {
        Objects.requireNonNull(topic, "topic");
        if (topic != checkedTopic) {
            if (topic.isEmpty() || topic.length() > MAX_TOPIC_LENGTH) {
                throw new IllegalArgumentException(
                        "origin topic must have 1 to " + MAX_TOPIC_LENGTH + " characters, got " + topic.length());
            }
            IdempotencyKeys.requireStorable("origin topic", topic);
            checkedTopic = topic;
        }
        if (partition < 0) {
            throw new IllegalArgumentException("origin partition must be >= 0, got " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("origin offset must be >= 0, got " + offset);
        }
    }

    /**
     * Parses the form produced by {@link #toString()}, {@code topic-partition@offset}.
     *
     * @param text the text, such as {@code orders-3@1042}
     * @return the origin
     * @throws IllegalArgumentException when the text does not have that form
     */
    public static Origin parse(String text) {
        int at = text.lastIndexOf('@');
        int dash = at < 0 ? -1 : text.lastIndexOf('-', at);
        if (at < 0 || dash <= 0) {
            throw new IllegalArgumentException(
                    "origin must look like topic-partition@offset (orders-3@1042), got '" + text + "'");
        }
        try {
            return new Origin(
                    text.substring(0, dash),
                    Integer.parseInt(text.substring(dash + 1, at)),
                    Long.parseLong(text.substring(at + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "origin must look like topic-partition@offset (orders-3@1042), got '" + text + "'", e);
        }
    }

    /** Returns {@code topic-partition@offset}, for example {@code orders-3@1042}. */
    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
