/**
 * A shared {@link io.github.kdedup.IdempotencyStore} in one SQL table, on PostgreSQL or MariaDB
 * through JDBC: {@link io.github.kdedup.jdbc.JdbcIdempotencyStore}, its URI provider, and {@link
 * io.github.kdedup.jdbc.TransactionalClaims} for claims inside the caller's own transaction.
 */
@NullMarked
package io.github.kdedup.jdbc;

import org.jspecify.annotations.NullMarked;
