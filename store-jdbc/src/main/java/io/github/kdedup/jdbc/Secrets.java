package io.github.kdedup.jdbc;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The secrets of one store (its password), kept out of every message it produces: some drivers
 * echo the URL or the connection properties in their exceptions. Immutable and thread-safe.
 */
final class Secrets {

    static final Secrets NONE = new Secrets(List.of());

    private final List<String> values;

    private Secrets(List<String> values) {
        this.values = values;
    }

    static Secrets of(@Nullable String... secrets) {
        List<String> values = new ArrayList<>();
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                values.add(secret);
            }
        }
        return values.isEmpty() ? NONE : new Secrets(List.copyOf(values));
    }

    /** Returns the text with every secret replaced by {@code ****}. */
    String redact(@Nullable String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        for (String secret : values) {
            out = out.replace(secret, "****");
        }
        return out;
    }

    /** Describes a failure: its message and those of its causes, with their SQL states, redacted. */
    String describe(Throwable e) {
        StringBuilder s = new StringBuilder();
        Throwable t = e;
        for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (s.indexOf(message) >= 0) {
                continue;
            }
            if (s.length() > 0) {
                s.append(": ");
            }
            s.append(message);
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                s.append(" [SQLState ").append(sql.getSQLState()).append(']');
            }
        }
        return redact(s.toString());
    }

    /**
     * Returns a cause that is safe to chain: the failure itself when there is no secret, otherwise
     * a copy whose messages are redacted (with the original stack traces).
     */
    Throwable scrub(Throwable e) {
        if (values.isEmpty()) {
            return e;
        }
        Throwable cause = e.getCause() == null || e.getCause() == e ? null : scrub(e.getCause());
        SQLException copy = e instanceof SQLException sql
                ? new SQLException(redact(sql.getMessage()), sql.getSQLState(), sql.getErrorCode(), cause)
                : new SQLException(e.getClass().getName() + ": " + redact(e.getMessage()), cause);
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }
}
