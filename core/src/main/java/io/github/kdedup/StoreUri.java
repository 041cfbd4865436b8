package io.github.kdedup;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A store URI split into its scheme, the part before the query, and the query parameters, with a
 * redacted form for logs. Immutable and thread-safe.
 *
 * <p>The scheme is the text before the first {@code :}, lower-cased, except for JDBC URLs, whose
 * scheme is {@code jdbc:} plus the sub-protocol ({@code jdbc:postgresql}). Query parameters are
 * {@code &}-separated {@code name=value} pairs, URL-decoded; a name given twice keeps its last value.
 *
 * <p>{@link #toString()} and {@link #redacted()} replace the password of a {@code user:password@}
 * part and the value of any parameter whose name contains {@code password}, {@code secret} or
 * {@code token} with {@code ****}, so a URI can be logged safely.
 */
public final class StoreUri {

    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/@:?#]*):[^@/?#]*@");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Set<String> SECRET_WORDS = Set.of("password", "secret", "token", "pwd");

    private final String raw;
    private final String scheme;
    private final String base;
    private final Map<String, String> parameters;

    private StoreUri(String raw, String scheme, String base, Map<String, String> parameters) {
        this.raw = raw;
        this.scheme = scheme;
        this.base = base;
        this.parameters = parameters;
    }

    /**
     * Parses a store URI.
     *
     * @param uri the URI, such as {@code redis://localhost:6379?poolSize=8}
     * @return the parsed URI
     * @throws IllegalArgumentException when the URI is empty or has no scheme
     */
    public static StoreUri parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        String trimmed = uri.trim();
        int colon = trimmed.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("a store URI needs a scheme, such as memory:, redis://host:6379 or "
                    + "jdbc:postgresql://host/db; got '" + redact(trimmed) + "'");
        }
        String scheme = trimmed.substring(0, colon).toLowerCase(Locale.ROOT);
        if (scheme.equals("jdbc")) {
            int second = trimmed.indexOf(':', colon + 1);
            if (second < 0) {
                throw new IllegalArgumentException(
                        "a JDBC store URI looks like jdbc:postgresql://host/db; got '" + redact(trimmed) + "'");
            }
            scheme = trimmed.substring(0, second).toLowerCase(Locale.ROOT);
        }
        int question = trimmed.indexOf('?');
        String base = question < 0 ? trimmed : trimmed.substring(0, question);
        Map<String, String> parameters = new LinkedHashMap<>();
        if (question >= 0) {
            for (String pair : trimmed.substring(question + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                parameters.put(name, value);
            }
        }
        return new StoreUri(trimmed, scheme, base, Collections.unmodifiableMap(parameters));
    }

    /**
     * URL-decodes one part of a URI ({@code %40} to {@code @}, {@code +} to a space), as UTF-8.
     *
     * @param text the encoded text, not null
     * @return the decoded text
     * @throws IllegalArgumentException when an escape is malformed
     */
    public static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /**
     * Parses a duration written as ISO-8601 ({@code PT2S}, {@code PT0.5S}, {@code P7D}) or as whole
     * milliseconds ({@code 2000}), the two forms every store URI parameter and {@code kdedup.*}
     * duration setting accept.
     *
     * @param name what the text sets, for the message (a parameter or property name)
     * @param text the text, not null
     * @return the duration, which may be zero or negative: callers check their own range
     * @throws IllegalArgumentException naming {@code name} and the text when it is neither form
     */
    public static Duration parseDuration(String name, String text) {
        String trimmed = text.trim();
        try {
            return DIGITS.matcher(trimmed).matches()
                    ? Duration.ofMillis(Long.parseLong(trimmed))
                    : Duration.parse(trimmed);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException(
                    name + " must be an ISO-8601 duration such as PT2S, PT5M or P7D, or whole milliseconds; got '"
                            + text + "'",
                    e);
        }
    }

    /**
     * Returns a duration parameter, parsed as {@link #parseDuration}.
     *
     * @param name the parameter name
     * @return the duration, or empty when the parameter is absent
     * @throws IllegalArgumentException naming the parameter and this (redacted) URI when the value is
     *     not a duration
     */
    public Optional<Duration> durationParameter(String name) {
        return parameter(name).map(value -> {
            try {
                return parseDuration(name, value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad store URI '" + redacted() + "': " + e.getMessage(), e);
            }
        });
    }

    /**
     * Returns a whole-number parameter that must be at least {@code min}.
     *
     * @param name the parameter name
     * @param min the smallest value accepted
     * @return the number, or empty when the parameter is absent
     * @throws IllegalArgumentException naming the parameter, the rule and this (redacted) URI
     */
    public Optional<Integer> intParameter(String name, int min) {
        return parameter(name).map(value -> {
            try {
                int n = Integer.parseInt(value.trim());
                if (n >= min) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("bad store URI '" + redacted() + "': " + name
                    + " must be a whole number >= " + min + ", got '" + value + "'");
        });
    }

    /**
     * Returns a boolean parameter ({@code true} or {@code false}, any case).
     *
     * @param name the parameter name
     * @return the value, or empty when the parameter is absent
     * @throws IllegalArgumentException naming the parameter and this (redacted) URI for other text
     */
    public Optional<Boolean> booleanParameter(String name) {
        return parameter(name).map(value -> {
            String v = value.trim();
            if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(v);
            }
            throw new IllegalArgumentException(
                    "bad store URI '" + redacted() + "': " + name + " must be true or false, got '" + value + "'");
        });
    }

    /**
     * Returns the text with passwords replaced by {@code ****}; safe to log.
     *
     * @param uri any URI text
     * @return the redacted text
     */
    public static String redact(String uri) {
        String redacted = USER_INFO_PASSWORD.matcher(uri).replaceAll("$1:****@");
        int question = redacted.indexOf('?');
        if (question < 0) {
            return redacted;
        }
        StringBuilder out = new StringBuilder(redacted.substring(0, question + 1));
        String[] pairs = redacted.substring(question + 1).split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            String pair = pairs[i];
            int eq = pair.indexOf('=');
            if (i > 0) {
                out.append('&');
            }
            if (eq > 0 && isSecret(pair.substring(0, eq))) {
                out.append(pair, 0, eq).append("=****");
            } else {
                out.append(pair);
            }
        }
        return out.toString();
    }

    /**
     * Returns whether a parameter of this name holds a secret and must never be logged.
     *
     * @param name the parameter name
     * @return true for names containing password, secret, token or pwd
     */
    public static boolean isSecret(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return SECRET_WORDS.stream().anyMatch(lower::contains);
    }

    /** Returns the whole URI as given, secrets included: never log it. */
    public String raw() {
        return raw;
    }

    /** Returns the scheme, lower-cased: {@code memory}, {@code redis}, {@code jdbc:postgresql}, ... */
    public String scheme() {
        return scheme;
    }

    /** Returns the URI without its query, secrets included. */
    public String base() {
        return base;
    }

    /** Returns the query parameters, in order, decoded. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /**
     * Returns one query parameter.
     *
     * @param name the name
     * @return the value, or empty
     */
    public Optional<String> parameter(String name) {
        return Optional.ofNullable(parameters.get(name));
    }

    /** Returns the URI with secrets replaced by {@code ****}. */
    public String redacted() {
        return redact(raw);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoreUri other && raw.equals(other.raw);
    }

    @Override
    public int hashCode() {
        return raw.hashCode();
    }

    /** Returns {@link #redacted()}. */
    @Override
    public String toString() {
        return redacted();
    }
}
