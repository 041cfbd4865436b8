package io.github.kdedup.kafka;

/**
 * Thrown by a {@link KeyExtractor} or a {@link Fingerprinter} when a record carries its key but the
 * key cannot be read (bytes that are not UTF-8, a value that is not JSON, a tombstone where a JSON
 * key was expected). The {@link MissingKeyPolicy} decides what happens to such a record, as for a
 * missing key: a key is never silently mangled into another one.
 */
public class UnreadableKeyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what could not be read, and why
     */
    public UnreadableKeyException(String message) {
        super(message);
    }

    /**
     * Creates the exception.
     *
     * @param message what could not be read, and why
     * @param cause the parser's failure
     */
    public UnreadableKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
