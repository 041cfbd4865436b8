package io.github.kdedup.kafka;

import io.github.kdedup.ClaimResult;
import io.github.kdedup.DuplicateCause;
import io.github.kdedup.Origin;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * What {@link DedupProcessor} did with one record. Immutable and thread-safe.
 *
 * @param record the record
 * @param status what happened
 * @param deduplicated whether the record went through a claim; false when it was processed or
 *     skipped without one (missing key, store unavailable with pass-through, fingerprint mismatch
 *     with process)
 * @param claim the claim result for a claimed record or a duplicate, or {@code null}
 * @param error the handler's exception for {@link Status#FAILED}, or {@code null}
 */
public record RecordOutcome(
        ConsumerRecord<?, ?> record,
        Status status,
        boolean deduplicated,
        @Nullable ClaimResult claim,
        @Nullable Exception error) {

    /** What happened to a record. */
    public enum Status {
        /** The handler ran and returned normally (its claim, if any, is completed). */
        PROCESSED,
        /** A copy of an event in progress or completed: the handler did not run. */
        DUPLICATE,
        /** No readable key and {@code on-missing-key=skip}: the handler did not run. */
        SKIPPED,
        /** The handler threw; the claim was released. */
        FAILED
    }

    /** Checks the required components. */
    public RecordOutcome {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(status, "status");
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
        return status + " " + DedupEngine.origin(record)
                + cause().map(c -> " (" + c + " of " + original().orElseThrow() + ")")
                        .orElse("")
                + (error == null ? "" : " " + error);
    }
}
