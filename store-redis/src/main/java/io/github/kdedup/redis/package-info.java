/**
 * An {@link io.github.kdedup.IdempotencyStore} on standalone Redis or Redis Cluster, through Jedis:
 * {@link io.github.kdedup.redis.RedisIdempotencyStore}.
 */
@NullMarked
package io.github.kdedup.redis;

import org.jspecify.annotations.NullMarked;
