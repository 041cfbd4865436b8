/**
 * The contract suite every {@link io.github.kdedup.IdempotencyStore} passes ({@link
 * io.github.kdedup.tck.IdempotencyStoreContract}) and the helper that finds the real services the
 * store tests run against ({@link io.github.kdedup.tck.TestServices}).
 */
@NullMarked
package io.github.kdedup.tck;

import org.jspecify.annotations.NullMarked;
