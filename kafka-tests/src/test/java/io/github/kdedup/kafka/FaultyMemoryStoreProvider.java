package io.github.kdedup.kafka;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStoreProvider;
import io.github.kdedup.StoreUri;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens {@link FaultyMemoryStore} for {@code faulty-memory:} URIs (such as {@code
 * faulty-memory:?name=g1}), and remembers the open ones by URI so a test can reach the instance its
 * consumers share (to inspect it or switch it off). A scheme of its own: store-memory's provider
 * opens {@code memory:}, and two providers of one scheme would clash.
 */
public final class FaultyMemoryStoreProvider implements IdempotencyStoreProvider {

    private static final Map<String, FaultyMemoryStore> OPEN = new ConcurrentHashMap<>();

    /** Called by ServiceLoader. */
    public FaultyMemoryStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("faulty-memory");
    }

    @Override
    public IdempotencyStore open(StoreUri uri) {
        FaultyMemoryStore store = new FaultyMemoryStore(uri.raw());
        OPEN.put(uri.raw(), store);
        return store;
    }

    static FaultyMemoryStore opened(String uri) {
        FaultyMemoryStore store = OPEN.get(uri);
        if (store == null) {
            throw new IllegalStateException("no open faulty memory store for " + uri);
        }
        return store;
    }

    static void forget(String uri, FaultyMemoryStore store) {
        OPEN.remove(uri, store);
    }
}
