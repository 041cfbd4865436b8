package io.github.kdedup.jdbc;

import java.util.regex.Pattern;

/** Checks table names, which are written into SQL text and so must never carry SQL. */
final class TableName {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private TableName() {}

    /**
     * Checks a table name: an unquoted SQL identifier (a letter or underscore, then letters, digits
     * or underscores, at most 63 characters), optionally qualified by a schema of the same form.
     *
     * @param table the name
     * @return the name, unchanged
     * @throws IllegalArgumentException when it is anything else
     */
    static String requireValid(String table) {
        if (table == null) {
            throw new IllegalArgumentException("table must not be null");
        }
        String[] parts = table.split("\\.", -1);
        boolean valid = parts.length <= 2;
        for (String part : parts) {
            valid &= IDENTIFIER.matcher(part).matches();
        }
        if (!valid) {
            throw new IllegalArgumentException("table must be an SQL identifier, optionally schema-qualified "
                    + "(letters, digits and _, not starting with a digit, at most 63 characters per part, "
                    + "such as kdedup_claims or app.kdedup_claims); got '" + table + "'");
        }
        return table;
    }

    /** Returns the table name without its schema, for naming the index. */
    static String unqualified(String table) {
        return table.substring(table.lastIndexOf('.') + 1);
    }
}
