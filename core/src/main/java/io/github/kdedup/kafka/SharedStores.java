package io.github.kdedup.kafka;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import java.util.HashMap;
import java.util.Map;

/**
 * The stores opened by URI in this JVM, shared by every consumer that names the same URI (one
 * connection pool per URI), reference-counted and closed when the last user closes. Thread-safe:
 * opening and closing are serialised on this class, which is rare (once per consumer).
 */
final class SharedStores {

    private static final Map<String, Entry> STORES = new HashMap<>();

    private SharedStores() {}

    /**
     * Opens the store of a URI, or takes one more reference to the open one.
     *
     * @param uri the store URI
     * @return a handle to close once
     */
    static synchronized Handle acquire(String uri) {
        String id = uri.trim();
        Entry entry = STORES.get(id);
        if (entry == null) {
            entry = new Entry(IdempotencyStores.open(id));
            STORES.put(id, entry);
        }
        entry.references++;
        return new Handle(id, entry.store);
    }

    private static synchronized void release(String id, IdempotencyStore store) {
        Entry entry = STORES.get(id);
        if (entry == null || entry.store != store) {
            return;
        }
        if (--entry.references == 0) {
            STORES.remove(id);
            store.close();
        }
    }

    /** Returns how many users hold the store of a URI; for tests. */
    static synchronized int references(String uri) {
        Entry entry = STORES.get(uri.trim());
        return entry == null ? 0 : entry.references;
    }

    private static final class Entry {
        final IdempotencyStore store;
        int references;

        Entry(IdempotencyStore store) {
            this.store = store;
        }
    }

    /** One reference to a shared store; closing it twice does nothing. */
    static final class Handle implements AutoCloseable {
        private final String id;
        private final IdempotencyStore store;
        private boolean closed;

        private Handle(String id, IdempotencyStore store) {
            this.id = id;
            this.store = store;
        }

        IdempotencyStore store() {
            return store;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                release(id, store);
            }
        }
    }
}
