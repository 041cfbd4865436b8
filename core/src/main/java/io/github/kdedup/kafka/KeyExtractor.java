package io.github.kdedup.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Bytes;
import org.jspecify.annotations.Nullable;

/**
 * Extracts the business key of an event from a record. Implementations must be thread-safe and
 * side-effect free.
 *
 * <p>The built-in extractors ({@code kdedup.key}):
 *
 * <ul>
 *   <li>{@code header:NAME} ({@link #header(String)}; default {@code header:event-id}): the last
 *       header of that name, decoded as strict UTF-8;
 *   <li>{@code record-key} ({@link #recordKey()}): the record key: a {@code String} as is, {@code
 *       byte[]}, {@link ByteBuffer} or {@link Bytes} decoded as strict UTF-8, any other type by its
 *       {@code toString()};
 *   <li>{@code json:/pointer} ({@link #jsonPointer(String)}): the value at an RFC 6901 JSON pointer in
 *       the record value ({@code String} or {@code byte[]} holding JSON); needs {@code
 *       com.fasterxml.jackson.core:jackson-databind} on the class path;
 *   <li>{@code topic-partition-offset} ({@link #topicPartitionOffset()}): {@code topic-partition@offset};
 *       it only catches redeliveries, never a republished event.
 * </ul>
 */
@FunctionalInterface
public interface KeyExtractor {

    /** The header the default extractor reads. */
    String DEFAULT_HEADER = "event-id";

    /**
     * Returns the key of the record.
     *
     * @param record the record
     * @return the key, or {@code null} when the record has none (or an empty one)
     * @throws UnreadableKeyException when the key is there but cannot be read
     */
    @Nullable
    String extract(ConsumerRecord<?, ?> record);

    /**
     * Reads the last header of the given name as strict UTF-8.
     *
     * @param name the header name
     * @return the extractor
     */
    static KeyExtractor header(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("header name must not be empty");
        }
        return record -> {
            Header header = record.headers().lastHeader(name);
            if (header == null || header.value() == null || header.value().length == 0) {
                return null;
            }
            return strictUtf8(header.value(), "header '" + name + "'");
        };
    }

    /** Reads the record key; see the class javadoc for the types. */
    static KeyExtractor recordKey() {
        return record -> {
            Object key = record.key();
            String text;
            if (key == null) {
                return null;
            } else if (key instanceof String s) {
                text = s;
            } else if (key instanceof byte[] bytes) {
                text = strictUtf8(bytes, "record key");
            } else if (key instanceof ByteBuffer buffer) {
                byte[] bytes = new byte[buffer.remaining()];
                buffer.duplicate().get(bytes);
                text = strictUtf8(bytes, "record key");
            } else if (key instanceof Bytes bytes) {
                text = strictUtf8(bytes.get(), "record key");
            } else {
                text = key.toString();
            }
            return text.isEmpty() ? null : text;
        };
    }

    /**
     * Reads the value at a JSON pointer in the record value. A text node gives its text, a number or
     * boolean its JSON form; a missing node or JSON null means no key; a tombstone, a value that is
     * not JSON, or an object or array at the pointer is unreadable.
     *
     * @param pointer an RFC 6901 pointer such as {@code /orderId}
     * @return the extractor
     * @throws IllegalArgumentException when the pointer is malformed
     * @throws IllegalStateException when Jackson databind is not on the class path
     */
    static KeyExtractor jsonPointer(String pointer) {
        return JsonPointers.keyExtractor(pointer);
    }

    /** Uses {@code topic-partition@offset}, which only catches redeliveries of the same record. */
    static KeyExtractor topicPartitionOffset() {
        return record -> Decision.origin(record).toString();
    }

    /**
     * Parses the {@code kdedup.key} syntax: {@code header:NAME}, {@code record-key}, {@code
     * json:/pointer} or {@code topic-partition-offset}.
     *
     * @param spec the text
     * @return the extractor
     * @throws IllegalArgumentException when the text is none of those; the message lists them
     */
    static KeyExtractor parse(String spec) {
        String s = spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("header:") && s.length() > "header:".length()) {
            return header(s.substring("header:".length()));
        }
        if (lower.startsWith("json:")) {
            return jsonPointer(s.substring("json:".length()));
        }
        if (lower.equals("record-key")) {
            return recordKey();
        }
        if (lower.equals("topic-partition-offset")) {
            return topicPartitionOffset();
        }
        throw new IllegalArgumentException("'" + spec + "' is not a key extractor; accepted: header:NAME (default "
                + "header:" + DEFAULT_HEADER + "), record-key, json:/pointer, topic-partition-offset");
    }

    /**
     * Decodes bytes as UTF-8, refusing malformed input instead of replacing it.
     *
     * @param bytes the bytes
     * @param what what they are, for the message
     * @return the text
     * @throws UnreadableKeyException when the bytes are not UTF-8
     */
    static String strictUtf8(byte[] bytes, String what) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new UnreadableKeyException(what + " is not valid UTF-8 (" + bytes.length + " bytes)", e);
        }
    }
}
