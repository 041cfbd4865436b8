package io.github.kdedup.memory;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreProvider;
import io.github.kdedup.StoreUri;
import java.util.Map;
import java.util.Set;

/**
 * Opens {@link MemoryIdempotencyStore}s for {@code memory:} URIs: {@code memory:} alone, or {@code
 * memory:?maximumSize=N}. Every call opens a new, empty store. Thread-safe.
 */
public final class MemoryStoreProvider implements IdempotencyStoreProvider {

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public MemoryStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public IdempotencyStore open(StoreUri uri) {
        if (!uri.base().equalsIgnoreCase("memory:")) {
            throw new IllegalArgumentException(
                    "a memory store URI is 'memory:' or 'memory:?maximumSize=N'; got '" + uri.redacted() + "'");
        }
        MemoryIdempotencyStore.Builder builder = MemoryIdempotencyStore.builder();
        for (Map.Entry<String, String> parameter : uri.parameters().entrySet()) {
            if (!parameter.getKey().equals("maximumSize")) {
                throw new IllegalArgumentException("unknown parameter '" + parameter.getKey() + "' in " + uri.redacted()
                        + "; a memory store accepts only maximumSize");
            }
            try {
                builder.maximumSize(Long.parseLong(parameter.getValue()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "maximumSize must be a whole number >= 1, got '" + parameter.getValue() + "'", e);
            }
        }
        return builder.build();
    }
}
