package io.github.kdedup.cli;

import java.util.Objects;

/**
 * One line of a {@code check} report: a level, what was checked, and what was found (with what to
 * do when it is not OK). Immutable and thread-safe.
 *
 * @param level OK, WARN or FAIL
 * @param subject what was checked, such as {@code maxmemory-policy}
 * @param detail what was found, and for WARN and FAIL what to do
 */
public record Finding(Finding.Level level, String subject, String detail) {

    /** How bad a finding is; the worst one decides the exit code. */
    public enum Level {
        /** As kdedup needs it. */
        OK,
        /** Works, but loses claims or grows without bound in some situation. */
        WARN,
        /** kdedup does not work as documented, or cannot work at all. */
        FAIL
    }

    /** Checks that nothing is null. */
    public Finding {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(detail, "detail");
    }

    static Finding ok(String subject, String detail) {
        return new Finding(Level.OK, subject, detail);
    }

    static Finding warn(String subject, String detail) {
        return new Finding(Level.WARN, subject, detail);
    }

    static Finding fail(String subject, String detail) {
        return new Finding(Level.FAIL, subject, detail);
    }
}
