/** An in-process {@link io.github.kdedup.IdempotencyStore} on Caffeine. */
@NullMarked
package io.github.kdedup.memory;

import org.jspecify.annotations.NullMarked;
