package io.github.kdedup.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A Wing &amp; Gong linearizability checker for claim, complete and release on a few keys: it searches
 * for a total order of the recorded operations that respects real time (an operation that returned
 * before another was invoked comes first) and in which every operation returns what the sequential
 * model of the store contract returns. Memoised on (operations done, model state), which keeps the
 * search small for a dozen operations. Not thread-safe.
 */
final class LinearizabilityChecker {

    /** The kinds of operation. */
    enum Kind {
        CLAIM,
        COMPLETE,
        RELEASE
    }

    /**
     * One recorded operation.
     *
     * @param kind what it was
     * @param key the key
     * @param origin the claim's origin (CLAIM only)
     * @param token the token sent (COMPLETE, RELEASE) or received (CLAIMED, RECLAIMED), or null
     * @param result CLAIMED, RECLAIMED, DUPLICATE-IN_PROGRESS-&lt;origin&gt;, DUPLICATE-COMPLETED-&lt;origin&gt;,
     *     true or false
     * @param invoked {@code System.nanoTime()} before the call
     * @param returned {@code System.nanoTime()} after the call
     */
    record Op(Kind kind, String key, int origin, @Nullable String token, String result, long invoked, long returned) {}

    /** The model's record of one key. */
    private record Rec(boolean completed, String token, int origin) {}

    private final List<Op> ops;
    private final Set<String> failed = new HashSet<>();

    private LinearizabilityChecker(List<Op> ops) {
        this.ops = ops;
    }

    /**
     * Returns whether the history is linearizable against the sequential model.
     *
     * @param history at most 63 operations
     * @return true when a valid order exists
     */
    static boolean linearizable(List<Op> history) {
        if (history.size() > 63) {
            throw new IllegalArgumentException("at most 63 operations, got " + history.size());
        }
        return new LinearizabilityChecker(history).search(0L, new HashMap<>());
    }

    private boolean search(long done, Map<String, Rec> state) {
        if (Long.bitCount(done) == ops.size()) {
            return true;
        }
        String memo = done + "|" + new java.util.TreeMap<>(state);
        if (failed.contains(memo)) {
            return false;
        }
        // An operation may come next only if it was invoked before every other pending one returned.
        long earliestReturn = Long.MAX_VALUE;
        for (int i = 0; i < ops.size(); i++) {
            if ((done & (1L << i)) == 0) {
                earliestReturn = Math.min(earliestReturn, ops.get(i).returned());
            }
        }
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if ((done & (1L << i)) != 0 || op.invoked() > earliestReturn) {
                continue;
            }
            Map<String, Rec> next = apply(op, state);
            if (next != null && search(done | (1L << i), next)) {
                return true;
            }
        }
        failed.add(memo);
        return false;
    }

    /** Applies one operation to the model; returns the new state, or null when the result differs. */
    private static @Nullable Map<String, Rec> apply(Op op, Map<String, Rec> state) {
        Rec rec = state.get(op.key());
        String expected;
        Rec after = rec;
        switch (op.kind()) {
            case CLAIM -> {
                if (rec == null) {
                    expected = "CLAIMED";
                    after = new Rec(false, String.valueOf(op.token()), op.origin());
                } else if (rec.completed()) {
                    expected = "DUPLICATE-COMPLETED-" + rec.origin();
                } else if (rec.origin() == op.origin()) {
                    expected = "RECLAIMED";
                    after = new Rec(false, String.valueOf(op.token()), op.origin());
                } else {
                    expected = "DUPLICATE-IN_PROGRESS-" + rec.origin();
                }
            }
            case COMPLETE -> {
                boolean match = rec != null && !rec.completed() && rec.token().equals(op.token());
                expected = Boolean.toString(match);
                if (match) {
                    after = new Rec(true, rec.token(), rec.origin());
                }
            }
            case RELEASE -> {
                boolean match = rec != null && !rec.completed() && rec.token().equals(op.token());
                expected = Boolean.toString(match);
                if (match) {
                    after = null;
                }
            }
            default -> throw new IllegalStateException();
        }
        if (!expected.equals(op.result())) {
            return null;
        }
        Map<String, Rec> next = new HashMap<>(state);
        if (after == null) {
            next.remove(op.key());
        } else {
            next.put(op.key(), after);
        }
        return next;
    }

    /** Describes a history, one operation a line, for failure messages. */
    static String describe(List<Op> history) {
        List<String> lines = new ArrayList<>();
        long t0 = history.stream().mapToLong(Op::invoked).min().orElse(0);
        for (Op op : history) {
            lines.add(String.format(
                    "[%d..%d] %s %s origin=%d token=%s -> %s",
                    op.invoked() - t0, op.returned() - t0, op.kind(), op.key(), op.origin(), op.token(), op.result()));
        }
        return String.join("\n", lines);
    }
}
