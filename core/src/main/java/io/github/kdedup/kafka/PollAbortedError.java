package io.github.kdedup.kafka;

/**
 * Thrown out of {@code KafkaConsumer.poll} by the {@link DedupConsumerInterceptor} when a policy
 * chose to fail (the store is unavailable, a key is missing, a fingerprint differs). Its cause is the
 * {@link io.github.kdedup.IdempotencyStoreException} or {@link DedupPolicyException}.
 *
 * <p>It is an {@link Error} on purpose: Kafka catches every {@link Exception} an interceptor throws,
 * logs it and delivers the records unfiltered, which would silently turn "fail" into "pass through".
 *
 * <p>When it is thrown the consumer's position has already moved past the batch, which was not
 * delivered. Do not commit: seek every assigned partition back to its committed offset (or close the
 * consumer without committing, with {@code enable.auto.commit=false}) and poll again. Until the held
 * back records come again, every poll of their partitions throws this error again without asking the
 * store, so nothing is skipped.
 */
public class PollAbortedError extends Error {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message what failed and what to do
     * @param cause the store or policy failure
     */
    public PollAbortedError(String message, Throwable cause) {
        super(message, cause);
    }
}
