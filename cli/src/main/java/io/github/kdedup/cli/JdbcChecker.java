package io.github.kdedup.cli;

import io.github.kdedup.StoreUri;
import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import io.github.kdedup.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Checks a PostgreSQL or MariaDB database for the JDBC store: reachable, server version, the claims
 * table present and shaped as the DDL that {@code kdedup-store-jdbc} ships, its size, the expired
 * rows waiting for the purge and whether the URI configures one.
 *
 * <p>The DDL is compared, not parsed: the shipped DDL ({@link JdbcIdempotencyStore#ddl}) creates a
 * scratch table {@code kdedup_check_<random>} next to the real one, both are read back from {@code
 * information_schema} and the JDBC metadata, and the scratch table is removed (rolled back on
 * PostgreSQL, dropped on MariaDB, whose DDL commits). So the check follows the store's DDL whenever
 * it changes, and needs the right to create a table; without it the DDL line is a WARN.
 */
final class JdbcChecker implements StoreChecker {

    /** Above this many rows the count is taken from the statistics, not from {@code count(*)}. */
    private static final long EXACT_COUNT_LIMIT = 1_000_000;
    /** Above this many expired rows the purge is falling behind. */
    private static final long EXPIRED_WARN = 100_000;

    private static final Set<String> STORE_PARAMETERS =
            Set.of("kdedupTable", "kdedupPoolSize", "kdedupCreateTable", "kdedupConnectionTimeout", "kdedupPurgeEvery");

    /** One column as the database describes it, compared as text. */
    private record Column(String type, boolean nullable, @Nullable String collation) {
        String describe() {
            return type + (collation == null ? "" : " collate " + collation) + (nullable ? " null" : " not null");
        }
    }

    /** The parts of a table that kdedup relies on. */
    private record Shape(Map<String, Column> columns, List<String> primaryKey, boolean expiresAtIndexed) {}

    @Override
    public List<Finding> check(StoreUri uri) {
        SqlDialect dialect = uri.scheme().equals("jdbc:postgresql") ? SqlDialect.POSTGRESQL : SqlDialect.MARIADB;
        String table = uri.parameter("kdedupTable").orElse(JdbcIdempotencyStore.DEFAULT_TABLE);
        // Checked as the store checks it, so a bad name fails here and not inside a statement.
        JdbcIdempotencyStore.ddl(dialect, table);
        List<Finding> findings = new ArrayList<>();
        Properties properties = new Properties();
        uri.parameters().forEach((name, value) -> {
            if (!STORE_PARAMETERS.contains(name)) {
                properties.setProperty(name, value);
            }
        });
        // A server that does not answer becomes a FAIL line, not a hung command (PostgreSQL: s, MariaDB: ms).
        properties.putIfAbsent("connectTimeout", dialect == SqlDialect.POSTGRESQL ? "5" : "5000");
        try (Connection connection = DriverManager.getConnection(uri.base(), properties)) {
            DatabaseMetaData meta = connection.getMetaData();
            findings.add(Finding.ok("reachable", "connected as " + meta.getUserName()));
            findings.add(version(dialect, meta));
            checkTable(connection, dialect, table, uri, findings);
        } catch (SQLException e) {
            if (findings.isEmpty()) {
                findings.add(Finding.fail(
                        "reachable",
                        "cannot connect to " + uri.scheme() + " (" + oneLine(e)
                                + "); check host, port, database, user and password"));
            } else {
                findings.add(Finding.fail("query", "the check failed: " + oneLine(e)));
            }
        }
        return findings;
    }

    private static Finding version(SqlDialect dialect, DatabaseMetaData meta) throws SQLException {
        String product = meta.getDatabaseProductName();
        String version = meta.getDatabaseProductVersion();
        int major = meta.getDatabaseMajorVersion();
        int minor = meta.getDatabaseMinorVersion();
        if (dialect == SqlDialect.POSTGRESQL) {
            return major >= 12
                    ? Finding.ok("server version", product + " " + version + ": INSERT ... ON CONFLICT over unnest")
                    : Finding.warn(
                            "server version", product + " " + version + ": kdedup is tested on 15; upgrade to 12+");
        }
        if (!product.toLowerCase(Locale.ROOT).contains("mariadb") && !version.contains("MariaDB")) {
            return Finding.warn(
                    "server version", product + " " + version + ": kdedup's SQL is tested on MariaDB 10.11 only");
        }
        return major > 10 || major == 10 && minor >= 6
                ? Finding.ok("server version", "MariaDB " + version)
                : Finding.warn(
                        "server version", "MariaDB " + version + ": kdedup is tested on 10.11; upgrade to 10.6+");
    }

    private static void checkTable(
            Connection connection, SqlDialect dialect, String table, StoreUri uri, List<Finding> findings)
            throws SQLException {
        Shape actual = shape(connection, dialect, table);
        if (actual.columns().isEmpty()) {
            boolean creates = uri.booleanParameter("kdedupCreateTable").orElse(true);
            findings.add(
                    creates
                            ? Finding.warn(
                                    "table " + table,
                                    "absent: the store creates it at its first start (kdedupCreateTable=true), which"
                                            + " needs the CREATE privilege; or run JdbcIdempotencyStore.ddl")
                            : Finding.fail(
                                    "table " + table,
                                    "absent and kdedupCreateTable=false: create it with the shipped DDL"
                                            + " (io/github/kdedup/jdbc/"
                                            + dialect.name().toLowerCase(Locale.ROOT)
                                            + ".sql, or JdbcIdempotencyStore.ddl)"));
            return;
        }
        findings.add(Finding.ok("table " + table, "present, " + actual.columns().size() + " columns"));
        findings.add(ddl(connection, dialect, table, actual));
        long rows = rows(connection, dialect, table);
        findings.add(Finding.ok(
                "rows",
                rows < 0
                        ? "unknown (no statistics yet)"
                        : rows + (rows > EXACT_COUNT_LIMIT ? " (estimate from the statistics)" : "")));
        long expired = expired(connection, dialect, table);
        String purge = uri.parameter("kdedupPurgeEvery").orElse(null);
        String expiredText = expired + (expired > EXPIRED_WARN ? "+" : "") + " expired rows waiting for the purge";
        if (expired > EXPIRED_WARN) {
            findings.add(Finding.warn(
                    "expired rows",
                    expiredText + ": they count as absent but take space; run purgeExpired more often"
                            + " (kdedupPurgeEvery) or in a job"));
        } else {
            findings.add(Finding.ok("expired rows", expiredText));
        }
        findings.add(
                purge != null
                        ? Finding.ok("purge", "kdedupPurgeEvery=" + purge + ": stores opened with this URI purge")
                        : Finding.warn(
                                "purge",
                                "this URI sets no kdedupPurgeEvery: unless another consumer's URI or a job calls"
                                        + " purgeExpired, expired rows stay forever; add kdedupPurgeEvery=PT5M"));
    }

    /** Compares the table with a scratch table made by the shipped DDL. */
    private static Finding ddl(Connection connection, SqlDialect dialect, String table, Shape actual)
            throws SQLException {
        String scratch = qualifier(table) + "kdedup_check_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Shape expected;
        boolean autoCommit = connection.getAutoCommit();
        try {
            if (dialect == SqlDialect.POSTGRESQL) {
                connection.setAutoCommit(false); // PostgreSQL's DDL is transactional: roll it back
            }
            try (Statement statement = connection.createStatement()) {
                for (String sql : statements(JdbcIdempotencyStore.ddl(dialect, scratch))) {
                    statement.execute(sql);
                }
            }
            expected = shape(connection, dialect, scratch);
        } catch (SQLException e) {
            return Finding.warn(
                    "table DDL",
                    "not compared: cannot create a scratch table to compare with (" + oneLine(e)
                            + "); compare it by hand with JdbcIdempotencyStore.ddl");
        } finally {
            if (dialect == SqlDialect.POSTGRESQL) {
                connection.rollback();
                connection.setAutoCommit(autoCommit);
            } else {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("DROP TABLE IF EXISTS " + scratch);
                }
            }
        }
        List<String> problems = new ArrayList<>();
        expected.columns().forEach((name, column) -> {
            Column found = actual.columns().get(name);
            if (found == null) {
                problems.add("column " + name + " is missing (" + column.describe() + ")");
            } else if (!found.equals(column)) {
                problems.add("column " + name + " is " + found.describe() + ", kdedup needs " + column.describe());
            }
        });
        actual.columns().forEach((name, column) -> {
            if (!expected.columns().containsKey(name) && !column.nullable()) {
                problems.add("extra column " + name + " is NOT NULL: kdedup's inserts leave it empty");
            }
        });
        if (!expected.primaryKey().equals(actual.primaryKey())) {
            problems.add("primary key is " + actual.primaryKey() + ", kdedup needs " + expected.primaryKey());
        }
        if (!problems.isEmpty()) {
            return Finding.fail(
                    "table DDL",
                    String.join("; ", problems)
                            + "; recreate the table with the shipped DDL (JdbcIdempotencyStore.ddl)");
        }
        if (!actual.expiresAtIndexed()) {
            return Finding.warn(
                    "table DDL",
                    "columns and key match, but no index starts with expires_at: the purge scans the table");
        }
        return Finding.ok("table DDL", "columns, primary key and expires_at index match the shipped DDL");
    }

    /** Splits the shipped DDL into statements; its {@code --} comments may hold a {@code ;}. */
    private static List<String> statements(String ddl) {
        StringBuilder sql = new StringBuilder();
        for (String line : ddl.split("\n")) {
            if (!line.strip().startsWith("--")) {
                sql.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String statement : sql.toString().split(";")) {
            if (!statement.isBlank()) {
                statements.add(statement.strip());
            }
        }
        return statements;
    }

    private static Shape shape(Connection connection, SqlDialect dialect, String table) throws SQLException {
        String schema = schema(table);
        String name = bareName(table);
        Map<String, Column> columns = new LinkedHashMap<>();
        String sql = dialect == SqlDialect.POSTGRESQL
                ? "SELECT column_name, data_type, character_maximum_length, is_nullable, collation_name"
                        + " FROM information_schema.columns WHERE table_schema = COALESCE(?, current_schema())"
                        + " AND table_name = ? ORDER BY ordinal_position"
                : "SELECT column_name, column_type, NULL, is_nullable, collation_name"
                        + " FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE())"
                        + " AND table_name = ? ORDER BY ordinal_position";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, schema);
            statement.setString(2, name);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2).toLowerCase(Locale.ROOT);
                    long length = rs.getLong(3);
                    if (!rs.wasNull()) {
                        type += "(" + length + ")";
                    }
                    columns.put(
                            rs.getString(1).toLowerCase(Locale.ROOT),
                            new Column(type, "YES".equals(rs.getString(4)), rs.getString(5)));
                }
            }
        }
        DatabaseMetaData meta = connection.getMetaData();
        String catalog =
                dialect == SqlDialect.MARIADB ? Objects.requireNonNullElse(schema, connection.getCatalog()) : null;
        String metaSchema =
                dialect == SqlDialect.POSTGRESQL ? Objects.requireNonNullElse(schema, connection.getSchema()) : null;
        Map<Short, String> keyColumns = new java.util.TreeMap<>();
        try (ResultSet rs = meta.getPrimaryKeys(catalog, metaSchema, name)) {
            while (rs.next()) {
                keyColumns.put(
                        rs.getShort("KEY_SEQ"), rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        Set<String> indexStarts = new TreeSet<>();
        try (ResultSet rs = meta.getIndexInfo(catalog, metaSchema, name, false, true)) {
            while (rs.next()) {
                String column = rs.getString("COLUMN_NAME");
                if (rs.getShort("ORDINAL_POSITION") == 1 && column != null) {
                    indexStarts.add(column.toLowerCase(Locale.ROOT));
                }
            }
        }
        return new Shape(columns, List.copyOf(keyColumns.values()), indexStarts.contains("expires_at"));
    }

    private static long rows(Connection connection, SqlDialect dialect, String table) throws SQLException {
        String estimate = dialect == SqlDialect.POSTGRESQL
                ? "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)"
                : "SELECT table_rows FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE())"
                        + " AND table_name = ?";
        long estimated = -1;
        try (PreparedStatement statement = connection.prepareStatement(estimate)) {
            if (dialect == SqlDialect.POSTGRESQL) {
                statement.setString(1, table);
            } else {
                statement.setString(1, schema(table));
                statement.setString(2, bareName(table));
            }
            try (ResultSet rs = statement.executeQuery()) {
                if (rs.next()) {
                    estimated = rs.getLong(1);
                }
            }
        }
        if (estimated > EXACT_COUNT_LIMIT) {
            return estimated;
        }
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Counts expired rows, at most {@link #EXPIRED_WARN} + 1, through the expires_at index. */
    private static long expired(Connection connection, SqlDialect dialect, String table) throws SQLException {
        String now = dialect == SqlDialect.POSTGRESQL ? "now()" : "UTC_TIMESTAMP(6)";
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM (SELECT 1 FROM " + table
                        + " WHERE expires_at <= " + now + " LIMIT " + (EXPIRED_WARN + 1) + ") expired")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static @Nullable String schema(String table) {
        int dot = table.indexOf('.');
        return dot < 0 ? null : table.substring(0, dot);
    }

    private static String bareName(String table) {
        return table.substring(table.indexOf('.') + 1);
    }

    private static String qualifier(String table) {
        int dot = table.indexOf('.');
        return dot < 0 ? "" : table.substring(0, dot + 1);
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s+", " ").strip();
    }
}
