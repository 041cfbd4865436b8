package io.github.kdedup.examples.reliability;

import io.github.kdedup.tck.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The side effect of the crash tests: one row per applied event in a table of the shared PostgreSQL
 * (random name, dropped by {@link #close()}), counting how often it was applied and from which
 * offsets. A copy applied shows a second offset; a redelivery applied again shows the same offset
 * twice.
 */
final class CrashLedger implements AutoCloseable {

    /** One event's row. */
    record Entry(int applications, int distinctOffsets) {}

    private final String url;
    private final String table;

    private CrashLedger(String url, String table) {
        this.url = url;
        this.table = table;
    }

    static CrashLedger create() throws SQLException {
        String url = TestServices.postgresUrl();
        String table =
                "crash_ledger_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table
                    + " (event_id text PRIMARY KEY, applications int NOT NULL, offsets text[] NOT NULL)");
        }
        return new CrashLedger(url, table);
    }

    String url() {
        return url;
    }

    String table() {
        return table;
    }

    /** Applies one event on the caller's connection (in its transaction, if one is open). */
    static void apply(Connection db, String table, String eventId, ConsumerRecord<?, ?> record) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO " + table
                + " (event_id, applications, offsets) VALUES (?, 1, ARRAY[?]) ON CONFLICT (event_id) DO UPDATE SET"
                + " applications = " + table + ".applications + 1,"
                + " offsets = array_append(" + table + ".offsets, EXCLUDED.offsets[1])")) {
            ps.setString(1, eventId);
            ps.setString(2, record.partition() + ":" + record.offset());
            ps.executeUpdate();
        }
    }

    int distinctEvents() throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    Map<String, Entry> entries() throws SQLException {
        Map<String, Entry> all = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT event_id, applications,"
                        + " (SELECT count(DISTINCT o) FROM unnest(offsets) o) FROM " + table)) {
            while (rs.next()) {
                all.put(rs.getString(1), new Entry(rs.getInt(2), rs.getInt(3)));
            }
        }
        return all;
    }

    /** Drops a table of the shared database (this ledger's or a claims table). */
    void drop(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + name);
        }
    }

    @Override
    public void close() throws SQLException {
        drop(table);
    }
}
