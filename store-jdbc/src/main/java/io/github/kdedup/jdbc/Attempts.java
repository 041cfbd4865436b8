package io.github.kdedup.jdbc;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The one retry loop of the JDBC module: every batch that {@link JdbcIdempotencyStore} or {@link
 * TransactionalClaims} sends goes through {@link #settle}, and nothing below it retries. A batch is
 * tried at most {@value #MAX} times in all, whatever made it try again. Stateless and thread-safe.
 *
 * <p>Two things make a batch try again:
 *
 * <ul>
 *   <li>the database aborted it to break a deadlock or a serialization conflict (SQLState {@code
 *       40001} or {@code 40P01}): the whole batch again, but only where the batch ran in its own
 *       transaction (an abort inside the caller's transaction rolls back the caller's work too, so
 *       only the caller can retry it);
 *   <li>a dialect answered some requests with {@code null}: a row of those keys changed between
 *       two reads of one statement, so the answer would be a guess, or (PostgreSQL, own transaction)
 *       the locking statement was aborted after the insert had committed the other answers; just
 *       those requests again.
 * </ul>
 */
final class Attempts {

    /** The most attempts of one batch. */
    static final int MAX = 5;

    private Attempts() {}

    /** One try of a batch; a {@code null} answer means "ask me again about this one". */
    interface Batch<Q, A> {
        List<@Nullable A> run(List<Q> items) throws SQLException;
    }

    /**
     * Answers every item, trying again as described above.
     *
     * @param items the batch, not empty
     * @param batch one try
     * @param ownTransaction whether each try runs in a transaction of its own, so that an aborted
     *     try may simply be run again
     * @return one answer per item, in order
     * @throws SQLException the failure of the last try, or when some items were still unanswered
     *     after {@value #MAX} tries
     */
    static <Q, A> List<A> settle(List<Q> items, Batch<Q, A> batch, boolean ownTransaction) throws SQLException {
        Object[] answers = new Object[items.size()];
        List<Integer> pending = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            pending.add(i);
        }
        for (int attempt = 1; attempt <= MAX; attempt++) {
            List<Q> asked = pending.size() == items.size() ? items : select(items, pending);
            List<@Nullable A> got;
            try {
                got = batch.run(asked);
            } catch (SQLException e) {
                if (!ownTransaction || !abortedToBreakConflict(e) || attempt == MAX) {
                    throw e;
                }
                continue;
            }
            List<Integer> again = new ArrayList<>();
            for (int j = 0; j < pending.size(); j++) {
                A answer = got.get(j);
                if (answer == null) {
                    again.add(pending.get(j));
                } else {
                    answers[pending.get(j)] = answer;
                }
            }
            if (again.isEmpty()) {
                @SuppressWarnings("unchecked")
                List<A> all = (List<A>) Arrays.asList(answers);
                return all;
            }
            pending = again;
        }
        throw new SQLException("the rows of " + pending.size() + " keys changed under each of " + MAX
                + " attempts to claim them; the table is under heavy churn, try again");
    }

    /** Returns whether the database aborted the work to break a deadlock or serialization conflict. */
    static boolean abortedToBreakConflict(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.equals("40001") || state.equals("40P01"));
    }

    private static <Q> List<Q> select(List<Q> items, List<Integer> indexes) {
        List<Q> selected = new ArrayList<>(indexes.size());
        for (int i : indexes) {
            selected.add(items.get(i));
        }
        return selected;
    }
}
