package io.github.kdedup.examples.audit;

import java.io.PrintWriter;
import org.jspecify.annotations.Nullable;

/**
 * Shows how far an audit got on standard error, with an ETA: redrawn in place on a terminal, one
 * line per tenth of the range otherwise (a log or a pipe keeps every line). Off for small ranges
 * unless asked for. Used by one audit on one thread; not thread-safe.
 */
final class AuditProgress implements DuplicateAudit.Progress {

    /** From this many records on, progress is shown without being asked for. */
    static final long LARGE = 100_000;

    private static final long REDRAW_NANOS = 500_000_000L;
    private static final int BAR = 20;

    private final PrintWriter err;
    private final @Nullable Boolean asked;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long lastDrawn;
    private int lastTenth = -1;
    private boolean drewInPlace;

    /**
     * @param err where to draw
     * @param asked {@code true} or {@code false} when {@code --[no-]progress} was given, else {@code
     *     null}
     * @param terminal whether standard error is a terminal
     */
    AuditProgress(PrintWriter err, @Nullable Boolean asked, boolean terminal) {
        this.err = err;
        this.asked = asked;
        this.terminal = terminal;
    }

    @Override
    public void update(long read, long total) {
        boolean shown = asked != null ? asked : terminal || total >= LARGE;
        if (!shown || total <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (terminal) {
            if (read < total && now - lastDrawn < REDRAW_NANOS) {
                return;
            }
            lastDrawn = now;
            err.print("\r" + line(read, total, now));
            drewInPlace = true;
            err.flush();
            return;
        }
        int tenth = (int) (read * 10 / total);
        if (tenth > lastTenth) {
            lastTenth = tenth;
            err.println(line(read, total, now));
            err.flush();
        }
    }

    /** Ends a line drawn in place, so that what follows starts on its own line. */
    void finish() {
        if (drewInPlace) {
            err.println();
            err.flush();
        }
    }

    private String line(long read, long total, long now) {
        int filled = (int) (read * BAR / total);
        double seconds = (now - started) / 1e9;
        String eta;
        if (read >= total) {
            eta = String.format("done in %.1f s", seconds);
        } else if (read == 0 || seconds < 0.001) {
            eta = "ETA unknown";
        } else {
            eta = "ETA " + duration((long) (seconds * (total - read) / read));
        }
        return String.format(
                "  [%s%s] %3d%%  %,d of %,d records  %s",
                "#".repeat(filled), "-".repeat(BAR - filled), read * 100 / total, read, total, eta);
    }

    private static String duration(long seconds) {
        return seconds >= 3600
                ? seconds / 3600 + "h " + seconds % 3600 / 60 + "m"
                : seconds >= 60 ? seconds / 60 + "m " + seconds % 60 + "s" : seconds + "s";
    }
}
