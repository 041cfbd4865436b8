package io.github.kdedup;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens stores from URIs through the {@link IdempotencyStoreProvider}s on the class path. Thread-safe.
 *
 * <pre>{@code
 * try (IdempotencyStore store = IdempotencyStores.open("redis://localhost:6379")) { ... }
 * }</pre>
 */
public final class IdempotencyStores {

    private static final Map<String, String> MODULE_BY_SCHEME = Map.ofEntries(
            Map.entry("memory", "kdedup-store-memory"),
            Map.entry("redis", "kdedup-store-redis"),
            Map.entry("rediss", "kdedup-store-redis"),
            Map.entry("redis-cluster", "kdedup-store-redis"),
            Map.entry("redis-sentinel", "kdedup-store-redis"),
            Map.entry("rediss-sentinel", "kdedup-store-redis"),
            Map.entry("jdbc:postgresql", "kdedup-store-jdbc"),
            Map.entry("jdbc:mariadb", "kdedup-store-jdbc"),
            Map.entry("jdbc:mysql", "kdedup-store-jdbc"));

    private IdempotencyStores() {}

    /**
     * Opens a new store; the caller must close it.
     *
     * @param uri the store URI, such as {@code memory:}, {@code redis://host:6379} or {@code
     *     jdbc:postgresql://host/db}
     * @return the open store
     * @throws IllegalArgumentException when the URI is malformed or no module on the class path opens
     *     its scheme; the message lists the schemes that are available and the module to add
     * @throws IdempotencyStoreException when the backend cannot be reached
     */
    public static IdempotencyStore open(String uri) {
        StoreUri parsed = StoreUri.parse(uri);
        Map<String, IdempotencyStoreProvider> providers = providers();
        IdempotencyStoreProvider provider = providers.get(parsed.scheme());
        if (provider == null) {
            String module = MODULE_BY_SCHEME.get(parsed.scheme());
            throw new IllegalArgumentException("no store opens '" + parsed.scheme() + ":' (in " + parsed.redacted()
                    + "); "
                    + (module == null
                            ? "known schemes are " + new java.util.TreeSet<>(MODULE_BY_SCHEME.keySet())
                            : "add the dependency io.github.kdedup:" + module)
                    + "; schemes available now: " + providers.keySet());
        }
        return provider.open(parsed);
    }

    /** Returns the providers on the class path by scheme, sorted. */
    public static Map<String, IdempotencyStoreProvider> providers() {
        Map<String, IdempotencyStoreProvider> byScheme = new TreeMap<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        for (IdempotencyStoreProvider provider : ServiceLoader.load(
                IdempotencyStoreProvider.class, loader == null ? IdempotencyStores.class.getClassLoader() : loader)) {
            for (String scheme : provider.schemes()) {
                byScheme.putIfAbsent(scheme, provider);
            }
        }
        return byScheme;
    }
}
