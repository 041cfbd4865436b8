package io.github.kdedup.kafka;

import io.github.kdedup.ClaimResult;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.Origin;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * What {@link DedupProcessor} did with one record: the engine's {@link Verdict} and, for a record it
 * processed, whether the handler failed. Immutable and thread-safe.
 *
 * @param record the record
 * @param verdict what the engine decided: {@link Verdict#OWNED} and {@link Verdict#UNGUARDED} records
 *     were handed to the handler, {@link Verdict#DUPLICATE} and {@link Verdict#SKIPPED} were not
 * @param claim the claim result for an owned record or a duplicate, or {@code null}
 * @param error the handler's exception when it threw (its claim was then released), or {@code null}
 */
public record RecordOutcome(
        ConsumerRecord<?, ?> record, Verdict verdict, @Nullable ClaimResult claim, @Nullable Exception error) {

    /** Checks the required components. */
    public RecordOutcome {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(verdict, "verdict");
    }

    /** Returns the outcome of a record the engine decided, before (or without) running the handler. */
    static RecordOutcome of(Decision<?, ?> decision, @Nullable Exception error) {
        return new RecordOutcome(decision.record(), decision.verdict(), decision.result(), error);
    }

    /** Returns whether the handler ran and returned normally (its claim, if any, is completed). */
    public boolean processed() {
        return verdict.process() && error == null;
    }

    /** Returns whether the handler threw ({@link #error()} is set; the claim was released). */
    public boolean failed() {
        return error != null;
    }

    /** Returns whether the record was a copy of an event in progress or completed, not handled. */
    public boolean duplicate() {
        return verdict == Verdict.DUPLICATE;
    }

    /**
     * Returns whether the record went through a claim; false when it was processed or skipped without
     * one (missing key, store unavailable with pass-through, fingerprint mismatch with process).
     */
    public boolean deduplicated() {
        return verdict.deduplicated();
    }

    /** Returns the cause of a duplicate (or of a retried record), if any. */
    public Optional<DuplicateCause> cause() {
        return claim == null ? Optional.empty() : claim.cause();
    }

    /** Returns where the original copy of a duplicate (or of a retried record) sits, if any. */
    public Optional<Origin> original() {
        return claim == null ? Optional.empty() : claim.existing().map(e -> e.origin());
    }

    @Override
    public String toString() {
        return (failed() ? "FAILED" : verdict.toString()) + " " + Decision.origin(record)
                + cause().map(c -> " (" + c + " of " + original().orElseThrow() + ")")
                        .orElse("")
                + (error == null ? "" : " " + error);
    }
}
