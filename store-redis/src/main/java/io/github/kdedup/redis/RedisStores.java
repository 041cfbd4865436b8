package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.StoreUri;

/**
 * The entry points of the Redis store: a builder, or a URI (the forms are listed on {@link
 * RedisStoreProvider}). Stateless and thread-safe.
 */
public final class RedisStores {

    private RedisStores() {}

    /**
     * Returns a builder for a standalone server on localhost:6379, with the defaults.
     *
     * @return a new builder
     */
    public static RedisStoreBuilder builder() {
        return new RedisStoreBuilder();
    }

    /**
     * Opens a store from a URI.
     *
     * @param uri a {@code redis://}, {@code rediss://} or {@code redis-cluster://} URI, not null
     * @return the open store
     * @throws IllegalArgumentException when the URI is malformed, naming what was wrong
     * @throws IdempotencyStoreException when a server cannot be reached
     */
    public static RedisIdempotencyStore open(String uri) {
        return RedisUris.toBuilder(StoreUri.parse(uri)).build();
    }
}
