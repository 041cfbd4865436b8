package io.github.kdedup.jdbc;

import io.github.kdedup.tck.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** The shared test databases, and fresh random tables in them. */
final class Databases {

    private Databases() {}

    static String postgresUrl() {
        return TestServices.postgresUrl();
    }

    static String mariadbUrl() {
        return TestServices.mariadbUrl();
    }

    /** A fresh table name, so that parallel runs never share a table. */
    static String randomTable() {
        return "kdedup_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** Appends a parameter to a JDBC URL. */
    static String with(String url, String parameter) {
        return url + (url.contains("?") ? "&" : "?") + parameter;
    }

    static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    static void drop(String url, String table) {
        try (Connection c = connect(url);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test table " + table, e);
        }
    }
}
