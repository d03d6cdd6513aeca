package dev.decode.runner.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jboss.logging.Logger;

/**
 * A borrowed DuckDB connection; {@link #close()} gives it back, or discards it when it was marked broken. It keeps the
 * statements it ran last, prepared: a learner runs the same statement again and again while working on it, and DuckDB
 * then skips parsing it, about a third of a point query's cost (docs/PERFORMANCE.md, Warehouse).
 */
public class PooledConnection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PooledConnection.class);
    static final int KEPT_STATEMENTS = 16;
    /** Longer texts are prepared for one run only, so that kept texts stay small beside the connection. */
    static final int KEPT_STATEMENT_LENGTH = 4096;

    private final WarehousePool pool;
    private final String username;
    private final Connection connection;
    private Instant idleSince = Instant.EPOCH;
    private boolean broken;
    /** By text, least recently used first. */
    private final Map<String, PreparedStatement> kept = new LinkedHashMap<>(KEPT_STATEMENTS, 0.75f, true);

    PooledConnection(WarehousePool pool, String username, Connection connection) {
        this.pool = pool;
        this.username = username;
        this.connection = connection;
    }

    public Connection connection() {
        return connection;
    }

    public String username() {
        return username;
    }

    /**
     * {@code sql} prepared on this connection, kept from an earlier run when there was one. DuckDB binds a kept
     * statement again by itself when a table it reads has changed since. Give it back with {@link #ran}.
     */
    public PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement statement = kept.get(sql);
        if (statement != null) {
            return statement;
        }
        statement = connection.prepareStatement(sql);
        if (sql.length() <= KEPT_STATEMENT_LENGTH) {
            kept.put(sql, statement);
            if (kept.size() > KEPT_STATEMENTS) {
                Iterator<PreparedStatement> eldest = kept.values().iterator();
                closeQuietly(eldest.next());
                eldest.remove();
            }
        }
        return statement;
    }

    /** Keeps a statement that ran well for the next run of its text; one that failed or was interrupted is closed. */
    public void ran(String sql, PreparedStatement statement, boolean well) {
        boolean isKept = kept.get(sql) == statement;
        if (well && isKept) {
            return;
        }
        if (isKept) {
            kept.remove(sql);
        }
        closeQuietly(statement);
    }

    /** The connection will be closed instead of returned. */
    public void markBroken() {
        broken = true;
    }

    @Override
    public void close() {
        pool.released(this, broken);
    }

    Instant idleSince() {
        return idleSince;
    }

    void touch(Instant now) {
        idleSince = now;
    }

    void closeQuietly() {
        kept.values().forEach(PooledConnection::closeQuietly);
        kept.clear();
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debugf("Closing a DuckDB connection failed: %s", e.getMessage());
        }
    }

    private static void closeQuietly(PreparedStatement statement) {
        try {
            statement.close();
        } catch (SQLException e) {
            LOG.debugf("Closing a DuckDB statement failed: %s", e.getMessage());
        }
    }
}
