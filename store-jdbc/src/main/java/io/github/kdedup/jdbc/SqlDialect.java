package io.github.kdedup.jdbc;

import java.util.Locale;

/**
 * The SQL dialects the JDBC store speaks. Immutable and thread-safe.
 *
 * <p>{@link #POSTGRESQL} claims a whole batch in one statement ({@code INSERT ... ON CONFLICT DO
 * UPDATE ... WHERE} over {@code unnest} arrays). {@link #MARIADB} claims a batch in one short
 * transaction of three statements ({@code SELECT ... FOR UPDATE}, {@code INSERT ... ON DUPLICATE
 * KEY UPDATE} with conditional assignments, a read-back of the tokens); it also serves MySQL 8.
 */
public enum SqlDialect {
    /** PostgreSQL 9.5 or later. */
    POSTGRESQL("postgresql.sql"),
    /** MariaDB 10.5 or later, or MySQL 8 (untested). */
    MARIADB("mariadb.sql");

    private final String ddlResource;

    SqlDialect(String ddlResource) {
        this.ddlResource = ddlResource;
    }

    /** Returns the name of the DDL resource, next to this class: {@code postgresql.sql} or {@code mariadb.sql}. */
    public String ddlResource() {
        return ddlResource;
    }

    /**
     * Picks the dialect from a JDBC database product name, as reported by {@link
     * java.sql.DatabaseMetaData#getDatabaseProductName()}.
     *
     * @param productName such as {@code PostgreSQL} or {@code MariaDB}
     * @return the dialect
     * @throws IllegalArgumentException for any other database
     */
    public static SqlDialect forProductName(String productName) {
        String lower = productName.toLowerCase(Locale.ROOT);
        if (lower.contains("postgres")) {
            return POSTGRESQL;
        }
        if (lower.contains("mariadb") || lower.contains("mysql")) {
            return MARIADB;
        }
        throw new IllegalArgumentException(
                "the JDBC store supports PostgreSQL and MariaDB/MySQL; the data source is '" + productName + "'");
    }
}
