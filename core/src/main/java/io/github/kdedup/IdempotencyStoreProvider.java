package io.github.kdedup;

import java.util.Set;

/**
 * Opens stores for some URI schemes. A store module registers its provider in {@code
 * META-INF/services/io.github.kdedup.IdempotencyStoreProvider}, so that {@link
 * IdempotencyStores#open(String)} finds it by scheme once the module is on the class path.
 *
 * <p>Implementations must be thread-safe and have a public no-argument constructor.
 */
public interface IdempotencyStoreProvider {

    /** Returns the lower-case schemes this provider opens, such as {@code redis} or {@code jdbc:postgresql}. */
    Set<String> schemes();

    /**
     * Opens a store.
     *
     * @param uri the parsed URI, whose scheme is one of {@link #schemes()}
     * @return a new, open store that the caller must close
     * @throws IllegalArgumentException when the URI is malformed or names an unknown parameter; the
     *     message says what is accepted and never contains a password
     * @throws IdempotencyStoreException when the backend cannot be reached
     */
    IdempotencyStore open(StoreUri uri);
}
