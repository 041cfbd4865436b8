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
 * 2|state|token|topic|partition|offset|owner|fingerprint}, where {@code 2} is the format version,
 * state is {@code I} (IN_PROGRESS) or {@code C} (COMPLETED), and the fingerprint field is empty when
 * there is none (a fingerprint is never empty). Text fields escape {@code %} as {@code %25} and
 * {@code |} as {@code %7C}, so a field never holds the separator. The order serves the scripts:
 * "in progress under this token" is the prefix {@code 2|I|token|} ({@link #fence}), one string
 * comparison; "in progress, same origin" compares {@code topic|partition|offset|} ({@link #origin})
 * right after the token. Format 1 ({@code 1|state|topic|partition|offset|token|owner|fingerprint})
 * is still decoded, so records written before the upgrade still answer as duplicates; an in-progress
 * format-1 record is not completed by the new scripts and ends with its lease.
 */
final class RedisRecords {

    static final String VERSION = "2";

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

    /** What an in-progress record under this token starts with: {@code 2|I|token|}. */
    static String fence(String token) {
        StringBuilder s = new StringBuilder(32).append(VERSION).append("|I|");
        escapeField(s, token);
        return s.append('|').toString();
    }

    /** The origin fields as stored, {@code topic|partition|offset|}: what a same-origin reclaim compares. */
    static String origin(Origin origin) {
        StringBuilder s = new StringBuilder(48);
        escapeField(s, origin.topic());
        return s.append('|')
                .append(origin.partition())
                .append('|')
                .append(origin.offset())
                .append('|')
                .toString();
    }

    static String inProgress(ClaimRequest request, String token) {
        StringBuilder s = new StringBuilder(128).append(fence(token)).append(origin(request.origin()));
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
        boolean current = fields.size() == 8 && fields.get(0).equals(VERSION);
        boolean legacy = fields.size() == 8 && fields.get(0).equals("1");
        if (!current && !legacy) {
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
        // Format 2 puts the token before the origin; format 1 after it.
        int origin = current ? 3 : 2;
        String token = fields.get(current ? 2 : 5);
        Origin stored = new Origin(
                unescape(fields.get(origin)),
                Integer.parseInt(fields.get(origin + 1)),
                Long.parseLong(fields.get(origin + 2)));
        String fingerprint = fields.get(7).isEmpty() ? null : unescape(fields.get(7));
        return new Decoded(state, stored, unescape(token), unescape(fields.get(6)), fingerprint);
    }
}
