package io.github.kdedup;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The limits on stored keys and namespaces, and the optional hashing of long keys.
 *
 * <p>A key is any Unicode text of 1 to {@value #MAX_KEY_BYTES} UTF-8 bytes without the character
 * U+0000 (PostgreSQL cannot store it) and without unpaired surrogates (they have no UTF-8 form, so
 * two different Java strings would collapse into one stored key). The limits keep every store's
 * primary key within its index limits (MariaDB's InnoDB allows 3072 bytes per index entry).
 *
 * <p>A longer key is rejected unless the caller asks for {@link #hashIfLong(String)}, which maps it
 * to {@code sha256:} followed by the 64 hex digits of the SHA-256 of its UTF-8 bytes. Hashed keys
 * cannot be read back; two different long keys collide only if SHA-256 does.
 *
 * <p>All methods are static, pure and thread-safe.
 */
public final class IdempotencyKeys {

    /** The longest key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 512;

    /** The longest namespace, in UTF-8 bytes. */
    public static final int MAX_NAMESPACE_BYTES = 128;

    /** The prefix of hashed keys. */
    public static final String HASH_PREFIX = "sha256:";

    private IdempotencyKeys() {}

    /**
     * Checks a key against the rules above.
     *
     * @param key the key
     * @return the key, unchanged
     * @throws IllegalArgumentException when the key breaks a rule; the message says which and what to do
     */
    public static String requireValidKey(String key) {
        return requireValid("key", key, MAX_KEY_BYTES, true);
    }

    /**
     * Checks a namespace: like a key, with a limit of {@value #MAX_NAMESPACE_BYTES} bytes.
     *
     * @param namespace the namespace
     * @return the namespace, unchanged
     * @throws IllegalArgumentException when the namespace breaks a rule
     */
    public static String requireValidNamespace(String namespace) {
        return requireValid("namespace", namespace, MAX_NAMESPACE_BYTES, false);
    }

    /**
     * Returns the key itself when it is at most {@value #MAX_KEY_BYTES} UTF-8 bytes, otherwise
     * {@code sha256:<hex>} of its UTF-8 bytes.
     *
     * @param key the raw key; it must still be valid Unicode without U+0000
     * @return a key that fits the limit
     * @throws IllegalArgumentException when the key is empty or not valid Unicode
     */
    public static String hashIfLong(String key) {
        if (key.isEmpty() || utf8Length(key) <= MAX_KEY_BYTES) {
            return requireValidKey(key);
        }
        checkCharacters("key", key);
        return HASH_PREFIX + sha256Hex(key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns the lower-case hex SHA-256 of the bytes.
     *
     * @param bytes the bytes
     * @return 64 hex digits
     */
    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Returns the number of bytes of the UTF-8 form of the text, without encoding it.
     *
     * @param text the text
     * @return its UTF-8 length (an unpaired surrogate counts as one byte, as the encoder replaces it)
     */
    public static int utf8Length(CharSequence text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static String requireValid(String what, String value, int maxBytes, boolean hashable) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        int bytes = utf8Length(value);
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(what + " is " + bytes + " UTF-8 bytes long; the limit is " + maxBytes
                    + (hashable
                            ? ". Use a shorter key, or hash long keys (IdempotencyKeys.hashIfLong, "
                                    + "the Kafka integration's key.hash-long-keys setting)"
                            : ""));
        }
        checkCharacters(what, value);
        return value;
    }

    /**
     * Checks that a text can be stored and read back unchanged by every store: no character U+0000
     * (PostgreSQL cannot keep it) and no unpaired surrogate (it has no UTF-8 form, so a store would
     * keep {@code ?} instead). {@link ClaimRequest} and {@link Origin} apply it to every text they
     * carry.
     *
     * @param field the name of the field, for the message, such as {@code owner}
     * @param value the text, not null
     * @return the text, unchanged
     * @throws IllegalArgumentException naming the field and the index of the first bad character
     */
    public static String requireStorable(String field, String value) {
        checkCharacters(field, value);
        return value;
    }

    private static void checkCharacters(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                throw new IllegalArgumentException(what + " must not contain the character U+0000 (at index " + i
                        + "); not every store can keep it");
            }
            if (Character.isHighSurrogate(c)
                    && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " is not valid Unicode: unpaired surrogate at index " + i
                        + "; decode the bytes as UTF-8 before using them as a " + what);
            }
        }
    }
}
