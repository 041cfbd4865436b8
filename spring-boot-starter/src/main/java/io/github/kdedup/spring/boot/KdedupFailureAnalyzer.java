package io.github.kdedup.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link KdedupConfigurationException} anywhere in a start-up failure into Boot's failure
 * report: the property, what is wrong with it, and the fix, instead of a stack of bean creation
 * exceptions. Registered in {@code META-INF/spring.factories}. Thread-safe (stateless).
 */
public final class KdedupFailureAnalyzer extends AbstractFailureAnalyzer<KdedupConfigurationException> {

    /** Created by Spring Boot. */
    public KdedupFailureAnalyzer() {}

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, KdedupConfigurationException cause) {
        return new FailureAnalysis(
                "kdedup could not start: the property '" + cause.property() + "' is not usable. " + cause.getMessage(),
                cause.action(),
                cause);
    }
}
