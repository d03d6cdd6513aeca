package dev.decode.runner.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

import org.jboss.logging.Logger;

/** A borrowed DuckDB connection; {@link #close()} gives it back, or discards it when it was marked broken. */
public class PooledConnection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PooledConnection.class);

    private final WarehousePool pool;
    private final String username;
    private final Connection connection;
    private Instant idleSince = Instant.EPOCH;
    private boolean broken;
    private boolean returnsSlot;

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

    /** The connection will be closed instead of returned. */
    public void markBroken() {
        broken = true;
    }

    @Override
    public void close() {
        pool.released(this, broken);
    }

    /** Whether closing also gives the pool's slot back; a lent connection's slot passes on when its work returns. */
    boolean returnsSlot() {
        return returnsSlot;
    }

    void returnsSlot(boolean returnsSlot) {
        this.returnsSlot = returnsSlot;
    }

    Instant idleSince() {
        return idleSince;
    }

    void touch(Instant now) {
        idleSince = now;
    }

    void closeQuietly() {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debugf("Closing a DuckDB connection failed: %s", e.getMessage());
        }
    }
}
