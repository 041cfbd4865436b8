package io.github.kdedup.spring.boot;

/**
 * A {@code kdedup.*} setting stopped the application from starting: names the property, what is wrong
 * and what to do, for {@link KdedupFailureAnalyzer}. Immutable.
 */
public class KdedupConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The property at fault, such as {@code kdedup.store}. */
    private final String property;

    /** What to do about it. */
    private final String action;

    /**
     * Creates the exception.
     *
     * @param property the property at fault
     * @param problem what is wrong, in a sentence
     * @param action what to do, in a sentence
     * @param cause the underlying failure, or {@code null}
     */
    public KdedupConfigurationException(String property, String problem, String action, Throwable cause) {
        super(problem, cause);
        this.property = property;
        this.action = action;
    }

    /** Returns the property at fault. */
    public String property() {
        return property;
    }

    /** Returns what to do about it. */
    public String action() {
        return action;
    }
}
