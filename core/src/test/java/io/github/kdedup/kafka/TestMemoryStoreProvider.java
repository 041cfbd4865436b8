package io.github.kdedup.kafka;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreProvider;
import io.github.kdedup.StoreUri;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens {@link TestMemoryStore} for {@code memory:} URIs in core's tests, and remembers the open
 * ones by URI so a test can reach the instance its consumers share (to inspect it or switch it off).
 */
public final class TestMemoryStoreProvider implements IdempotencyStoreProvider {

    private static final Map<String, TestMemoryStore> OPEN = new ConcurrentHashMap<>();

    /** Called by ServiceLoader. */
    public TestMemoryStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public IdempotencyStore open(StoreUri uri) {
        TestMemoryStore store = new TestMemoryStore(uri.raw());
        OPEN.put(uri.raw(), store);
        return store;
    }

    static TestMemoryStore opened(String uri) {
        TestMemoryStore store = OPEN.get(uri);
        if (store == null) {
            throw new IllegalStateException("no open test store for " + uri);
        }
        return store;
    }

    static void forget(String uri, TestMemoryStore store) {
        OPEN.remove(uri, store);
    }
}
