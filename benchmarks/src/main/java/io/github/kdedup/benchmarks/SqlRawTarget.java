package io.github.kdedup.benchmarks;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A raw SQL insert of a whole batch in one statement, on its own table with the JDBC store's
 * columns and primary key, in auto-commit mode: {@link Postgres} or {@link MariaDb}. Not
 * thread-safe.
 */
abstract class SqlRawTarget extends RawTarget {

    static final String COLUMNS = "(namespace, claim_key, state, token, owner, origin_topic, origin_partition, "
            + "origin_offset, fingerprint, expires_at)";

    final String jdbcUrl;
    final String table;
    final String namespace;
    final Connection connection;

    SqlRawTarget(String jdbcUrl, String id, String ddl) {
        super("");
        this.jdbcUrl = jdbcUrl;
        this.table = "kdedup_raw_" + id;
        this.namespace = "bench-" + id;
        Services.execute(jdbcUrl, ddl.replace("$table", table));
        this.connection = Services.connect(jdbcUrl);
    }

    /** Returns the SQL expression of now + duration, on the database's clock. */
    abstract String expiresAt(Duration duration);

    @Override
    public void preload(String[] keys) {
        String sql = "INSERT INTO " + table + " " + COLUMNS + " VALUES (?, ?, 'COMPLETED', 'AAAAAAAAAAAAAAAAAAAAAA', "
                + "?, '" + TOPIC + "', 0, ?, NULL, " + expiresAt(RETENTION) + ")";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            connection.setAutoCommit(false);
            for (int i = 0; i < keys.length; i++) {
                insert.setString(1, namespace);
                insert.setString(2, keys[i]);
                insert.setString(3, OWNER);
                insert.setLong(4, i);
                insert.addBatch();
                if (i % 1000 == 999) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
            connection.commit();
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            throw new IllegalStateException("preloading " + table + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void clear() {
        Services.truncate(jdbcUrl, table);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // The table is dropped below on a new connection either way.
        }
        Services.dropTable(jdbcUrl, table);
    }

    /** PostgreSQL: one {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING} per batch. */
    static final class Postgres extends SqlRawTarget {
        private final PreparedStatement insert;

        Postgres(String id) {
            super(
                    Services.postgresUrl(),
                    id,
                    "CREATE TABLE $table (namespace text COLLATE \"C\" NOT NULL, claim_key text COLLATE \"C\" "
                            + "NOT NULL, state text NOT NULL, token text NOT NULL, owner text NOT NULL, origin_topic "
                            + "text NOT NULL, origin_partition integer NOT NULL, origin_offset bigint NOT NULL, "
                            + "fingerprint text, expires_at timestamptz NOT NULL, PRIMARY KEY (namespace, claim_key))");
            try {
                insert = connection.prepareStatement("INSERT INTO " + table + " " + COLUMNS + " SELECT ?, i.k, "
                        + "'IN_PROGRESS', 'AAAAAAAAAAAAAAAAAAAAAA', ?, '" + TOPIC + "', 0, i.o, NULL, "
                        + expiresAt(LEASE) + " FROM unnest(?::text[], ?::bigint[]) AS i(k, o) ON CONFLICT DO NOTHING");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot prepare the insert into " + table + ": " + e.getMessage(), e);
            }
        }

        @Override
        String expiresAt(Duration duration) {
            return "statement_timestamp() + interval '" + duration.toMillis() + " milliseconds'";
        }

        @Override
        public int claim(String[] batch) {
            Long[] offsets = new Long[batch.length];
            for (int i = 0; i < batch.length; i++) {
                offsets[i] = (long) i;
            }
            try {
                Array keyArray = connection.createArrayOf("text", batch);
                Array offsetArray = connection.createArrayOf("bigint", offsets);
                insert.setString(1, namespace);
                insert.setString(2, OWNER);
                insert.setArray(3, keyArray);
                insert.setArray(4, offsetArray);
                return insert.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("insert into " + table + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** MariaDB: one multi-row {@code INSERT IGNORE ... VALUES (...), (...)} per batch. */
    static final class MariaDb extends SqlRawTarget {
        private final Map<Integer, PreparedStatement> bySize = new HashMap<>();

        MariaDb(String id) {
            super(
                    Services.mariadbUrl(),
                    id,
                    "CREATE TABLE $table (namespace VARBINARY(128) NOT NULL, claim_key VARBINARY(512) NOT NULL, "
                            + "state VARCHAR(11) CHARACTER SET ascii NOT NULL, token VARCHAR(64) CHARACTER SET ascii "
                            + "NOT NULL, owner VARCHAR(255) CHARACTER SET utf8mb4 NOT NULL, origin_topic VARCHAR(249) "
                            + "CHARACTER SET utf8mb4 NOT NULL, origin_partition INT NOT NULL, origin_offset BIGINT NOT "
                            + "NULL, fingerprint VARCHAR(128) NULL, expires_at DATETIME(6) NOT NULL, PRIMARY KEY "
                            + "(namespace, claim_key)) ENGINE = InnoDB");
        }

        @Override
        String expiresAt(Duration duration) {
            return "UTC_TIMESTAMP(6) + INTERVAL " + duration.toMillis() * 1000 + " MICROSECOND";
        }

        private PreparedStatement statement(int size) throws SQLException {
            PreparedStatement statement = bySize.get(size);
            if (statement == null) {
                StringBuilder sql = new StringBuilder("INSERT IGNORE INTO " + table + " " + COLUMNS + " VALUES ");
                String row = "(?, ?, 'IN_PROGRESS', 'AAAAAAAAAAAAAAAAAAAAAA', ?, '" + TOPIC + "', 0, ?, NULL, "
                        + expiresAt(LEASE) + ")";
                for (int i = 0; i < size; i++) {
                    sql.append(i == 0 ? "" : ", ").append(row);
                }
                statement = connection.prepareStatement(sql.toString());
                bySize.put(size, statement);
            }
            return statement;
        }

        @Override
        public int claim(String[] batch) {
            try {
                PreparedStatement insert = statement(batch.length);
                int p = 1;
                for (int i = 0; i < batch.length; i++) {
                    insert.setString(p++, namespace);
                    insert.setString(p++, batch[i]);
                    insert.setString(p++, OWNER);
                    insert.setLong(p++, i);
                }
                return insert.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("insert into " + table + " failed: " + e.getMessage(), e);
            }
        }
    }
}
