package io.github.kdedup;

import org.jspecify.annotations.Nullable;

/**
 * The one exception a store throws: it could not answer. Its message names the store, the
 * operation and the cause, and says what to check. It never carries a password. When it is thrown,
 * the outcome of the operation is unknown; nothing was answered wrongly.
 */
public class IdempotencyStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String store;
    private final String operation;

    /**
     * Creates the exception.
     *
     * @param store the store's {@link IdempotencyStore#description()}
     * @param operation the operation, such as {@code claim of 500 keys}
     * @param detail what went wrong and what to check
     * @param cause the underlying failure, or {@code null}
     */
    public IdempotencyStoreException(String store, String operation, String detail, @Nullable Throwable cause) {
        super(store + ": " + operation + " failed: " + detail, cause);
        this.store = store;
        this.operation = operation;
    }

    /** Returns the description of the store that failed. */
    public String store() {
        return store;
    }

    /** Returns the operation that failed. */
    public String operation() {
        return operation;
    }
}
