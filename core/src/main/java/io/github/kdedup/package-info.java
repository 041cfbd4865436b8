/**
 * The kdedup API: claim, complete and release business event ids in a shared {@link
 * io.github.kdedup.IdempotencyStore}, and open stores from URIs.
 *
 * <p>Unless a type says otherwise, no parameter and no return value is {@code null}; the few
 * values that may be absent are marked {@link org.jspecify.annotations.Nullable} or returned as
 * {@link java.util.Optional}.
 */
@NullMarked
package io.github.kdedup;

import org.jspecify.annotations.NullMarked;
