package io.github.kdedup.kafka;

import io.github.kdedup.IdempotencyKeys;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Bytes;
import org.jspecify.annotations.Nullable;

/**
 * Computes the optional fingerprint of a record's payload, stored with its claim so that the same
 * key used for a different payload is detected ({@link FingerprintMismatchPolicy}). Implementations
 * must be thread-safe.
 *
 * <p>The built-in fingerprints ({@code kdedup.fingerprint}): {@code none} (the default), {@code
 * value-sha256} (the hex SHA-256 of the value's bytes: {@code byte[]}, {@link Bytes}, or a {@code
 * String}'s UTF-8), and {@code json-sha256:/pointer} (the hex SHA-256 of the compact JSON text of the
 * node at that pointer in a JSON value; field order is kept as in the input).
 */
@FunctionalInterface
public interface Fingerprinter {

    /** No fingerprint. */
    Fingerprinter NONE = record -> null;

    /**
     * Returns the fingerprint of the record.
     *
     * @param record the record
     * @return at most 128 characters, or {@code null} for none (a tombstone has none)
     * @throws UnreadableKeyException when the payload cannot be read
     */
    @Nullable
    String fingerprint(ConsumerRecord<?, ?> record);

    /** Hashes the whole value. */
    static Fingerprinter valueSha256() {
        return record -> {
            Object value = record.value();
            if (value == null) {
                return null;
            }
            if (value instanceof byte[] bytes) {
                return IdempotencyKeys.sha256Hex(bytes);
            }
            if (value instanceof Bytes bytes) {
                return IdempotencyKeys.sha256Hex(bytes.get());
            }
            return IdempotencyKeys.sha256Hex(value.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        };
    }

    /**
     * Hashes the node at a JSON pointer; needs Jackson databind.
     *
     * @param pointer an RFC 6901 pointer
     * @return the fingerprinter
     */
    static Fingerprinter jsonSha256(String pointer) {
        return JsonPointers.fingerprinter(pointer);
    }

    /**
     * Parses {@code none}, {@code value-sha256} or {@code json-sha256:/pointer}.
     *
     * @param spec the text
     * @return the fingerprinter
     * @throws IllegalArgumentException when the text is none of those
     */
    static Fingerprinter parse(String spec) {
        String s = spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("none")) {
            return NONE;
        }
        if (lower.equals("value-sha256")) {
            return valueSha256();
        }
        if (lower.startsWith("json-sha256:")) {
            return jsonSha256(s.substring("json-sha256:".length()));
        }
        throw new IllegalArgumentException(
                "'" + spec + "' is not a fingerprint; accepted: none (default), value-sha256, json-sha256:/pointer");
    }
}
