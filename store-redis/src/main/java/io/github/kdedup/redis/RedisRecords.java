package io.github.kdedup.redis;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimState;
import io.github.kdedup.Origin;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The key layout and the record encoding of the Redis store. Pure and thread-safe.
 *
 * <p>Key: {@code <prefix>:<namespace>:<key>}, where namespace and key are escaped so that {@code %},
 * {@code :}, <code>{</code> and <code>}</code> become {@code %25}, {@code %3A}, {@code %7B} and {@code
 * %7D}. No stored key therefore holds a brace, so Redis Cluster hashes the whole key (no hash tag),
 * and no (namespace, key) pair can produce another pair's Redis key.
 *
 * <p>Record (the string value): eight {@code |}-separated fields, {@code
 * 1|state|topic|partition|offset|token|owner|fingerprint}, where {@code 1} is the format version,
 * state is {@code I} (IN_PROGRESS) or {@code C} (COMPLETED), and the fingerprint field is empty when
 * there is none (a fingerprint is never empty). Text fields escape {@code %} as {@code %25} and
 * {@code |} as {@code %7C}, so a field never holds the separator and the Lua scripts can split on it
 * and compare the prefix {@code 1|I|topic|partition|offset|} to test "in progress, same origin".
 */
final class RedisRecords {

    static final String VERSION = "1";

    private RedisRecords() {}

    static String key(String prefix, String namespace, String key) {
        StringBuilder s = new StringBuilder(prefix.length() + namespace.length() + key.length() + 8);
        s.append(prefix).append(':');
        escapeKeyPart(s, namespace);
        s.append(':');
        escapeKeyPart(s, key);
        return s.toString();
    }

    private static void escapeKeyPart(StringBuilder s, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '%' -> s.append("%25");
                case ':' -> s.append("%3A");
                case '{' -> s.append("%7B");
                case '}' -> s.append("%7D");
                default -> s.append(c);
            }
        }
    }

    /** The record's text up to and including the origin: what "in progress, same origin" compares. */
    static String inProgressPrefix(Origin origin) {
        StringBuilder s = new StringBuilder(64).append(VERSION).append("|I|");
        escapeField(s, origin.topic());
        return s.append('|')
                .append(origin.partition())
                .append('|')
                .append(origin.offset())
                .append('|')
                .toString();
    }

    static String inProgress(ClaimRequest request, String token) {
        StringBuilder s = new StringBuilder(128).append(inProgressPrefix(request.origin()));
        escapeField(s, token);
        s.append('|');
        escapeField(s, request.owner());
        s.append('|');
        if (request.fingerprint() != null) {
            escapeField(s, request.fingerprint());
        }
        return s.toString();
    }

    static String escapedField(String text) {
        StringBuilder s = new StringBuilder(text.length() + 4);
        escapeField(s, text);
        return s.toString();
    }

    private static void escapeField(StringBuilder s, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '%' -> s.append("%25");
                case '|' -> s.append("%7C");
                default -> s.append(c);
            }
        }
    }

    private static String unescape(String field) {
        if (field.indexOf('%') < 0) {
            return field;
        }
        return field.replace("%7C", "|").replace("%25", "%");
    }

    /** A decoded record; the token is kept for {@code find}. */
    record Decoded(ClaimState state, Origin origin, String token, String owner, @Nullable String fingerprint) {}

    /**
     * Decodes a record.
     *
     * @throws IllegalStateException when the value was not written by this format
     */
    static Decoded decode(String value) {
        List<String> fields = new ArrayList<>(8);
        int from = 0;
        while (true) {
            int bar = value.indexOf('|', from);
            if (bar < 0) {
                fields.add(value.substring(from));
                break;
            }
            fields.add(value.substring(from, bar));
            from = bar + 1;
        }
        if (fields.size() != 8 || !fields.get(0).equals(VERSION)) {
            throw new IllegalStateException(
                    "the key holds a value that kdedup did not write (or a newer format); use a key prefix that "
                            + "no other application writes under");
        }
        ClaimState state =
                switch (fields.get(1)) {
                    case "I" -> ClaimState.IN_PROGRESS;
                    case "C" -> ClaimState.COMPLETED;
                    default -> throw new IllegalStateException("unknown record state '" + fields.get(1) + "'");
                };
        Origin origin =
                new Origin(unescape(fields.get(2)), Integer.parseInt(fields.get(3)), Long.parseLong(fields.get(4)));
        String fingerprint = fields.get(7).isEmpty() ? null : unescape(fields.get(7));
        return new Decoded(state, origin, unescape(fields.get(5)), unescape(fields.get(6)), fingerprint);
    }
}
