package dev.decode.runner.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * At most {@code poolSize} open DuckDB connections across all users, reused across requests. An idle connection
 * serves its own user again; when all are open, the least recently used idle one of another user is closed to make
 * room; when all are in use, borrowers wait in arrival order up to the borrow limit, and each returned connection
 * wakes exactly one of them. All methods block: call them on workers.
 */
@ApplicationScoped
public class WarehousePool implements DatabaseLocks.ConnectionEviction {

    private static final Logger LOG = Logger.getLogger(WarehousePool.class);

    private final DuckDbConnector connector;
    private final WarehouseConfig config;
    private final Clock clock;
    private final Timer borrowWait;
    private final Map<String, Object> openMonitors = new ConcurrentHashMap<>();
    private final Map<String, Deque<PooledConnection>> idle = new HashMap<>();
    /**
     * One permit per connection that may be in use. Waiting borrowers queue in arrival order and each release wakes
     * the first; not "fair", because letting a borrower that arrives just then take the permit at once measured about
     * a fifth more point queries per second than handing it to the sleeping one (docs/PERFORMANCE.md, Warehouse).
     */
    private final Semaphore slots;
    private int open;
    private int inUse;
    private boolean closed;

    WarehousePool(DuckDbConnector connector, WarehouseConfig config, Clock clock, MeterRegistry registry) {
        this.connector = connector;
        this.config = config;
        this.clock = clock;
        this.slots = new Semaphore(config.poolSize());
        this.borrowWait = Timer.builder("warehouse.pool.borrow.wait").description("Time spent waiting for a DuckDB connection")
                .publishPercentileHistogram().register(registry);
        Gauge.builder("warehouse.pool.connections", this, pool -> pool.stats().open()).tag("state", "open").register(registry);
        Gauge.builder("warehouse.pool.connections", this, pool -> pool.stats().idle()).tag("state", "idle").register(registry);
        Gauge.builder("warehouse.pool.connections", this, pool -> pool.stats().inUse()).tag("state", "in_use").register(registry);
        Gauge.builder("warehouse.pool.waiting", this, pool -> pool.stats().waiting()).register(registry);
    }

    public record Stats(int open, int idle, int inUse, int waiting) {
    }

    public synchronized Stats stats() {
        return new Stats(open, open - inUse, inUse, slots.getQueueLength());
    }

    /** A connection of {@code username}'s database; closing it returns it to the pool. */
    public PooledConnection borrow(String username) throws SQLException, InterruptedException {
        long started = System.nanoTime();
        try {
            if (!config.pooling()) {
                return unpooled(username);
            }
            if (!slots.tryAcquire(config.borrowWait().toNanos(), TimeUnit.NANOSECONDS)) {
                throw new WarehouseBusyException(config.borrowWait());
            }
            PooledConnection reused = reserve(username);
            if (reused != null) {
                return reused;
            }
            try {
                Connection connection;
                synchronized (openMonitors.computeIfAbsent(username, ignored -> new Object())) {
                    connection = connector.open(username);
                }
                return new PooledConnection(this, username, connection);
            } catch (SQLException | RuntimeException e) {
                released(null, true);
                throw e;
            }
        } finally {
            borrowWait.record(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /**
     * With a slot held: an idle connection of the user, or room to open one (returns null then), closing the least
     * recently used idle connection of another user when all are open.
     */
    private synchronized PooledConnection reserve(String username) throws WarehouseBusyException {
        if (closed) {
            slots.release();
            throw new WarehouseBusyException(config.borrowWait());
        }
        Deque<PooledConnection> own = idle.get(username);
        if (own != null && !own.isEmpty()) {
            inUse++;
            return own.pollFirst();
        }
        if (open < config.poolSize()) {
            open++;
        } else {
            // A slot is held, so fewer than poolSize connections are in use: one of the open ones is idle, and the
            // connection about to be opened takes its place.
            PooledConnection victim = leastRecentlyUsedIdle();
            removeIdle(victim);
            victim.closeQuietly();
        }
        inUse++;
        return null;
    }

    /** Called by {@link PooledConnection#close()}. A broken connection is closed instead of kept. */
    void released(PooledConnection connection, boolean broken) {
        synchronized (this) {
            inUse--;
            if (connection == null || broken || closed) {
                open--;
                if (connection != null) {
                    connection.closeQuietly();
                }
            } else {
                connection.touch(clock.instant());
                idle.computeIfAbsent(connection.username(), ignored -> new ArrayDeque<>()).addFirst(connection);
            }
        }
        slots.release();
    }

    @Override
    public void closeConnectionsOf(String username) {
        List<PooledConnection> closing;
        synchronized (this) {
            Deque<PooledConnection> own = idle.remove(username);
            closing = own == null ? List.of() : new ArrayList<>(own);
            open -= closing.size();
        }
        closing.forEach(PooledConnection::closeQuietly);
    }

    /** Closes connections idle since before {@code now - idleTimeout}; returns how many. */
    public int closeIdle(Instant now) {
        Instant cutoff = now.minus(config.idleTimeout());
        List<PooledConnection> closing = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Deque<PooledConnection>> users = idle.values().iterator(); users.hasNext();) {
                Deque<PooledConnection> own = users.next();
                own.removeIf(connection -> connection.idleSince().isBefore(cutoff) && closing.add(connection));
                if (own.isEmpty()) {
                    users.remove();
                }
            }
            open -= closing.size();
        }
        closing.forEach(PooledConnection::closeQuietly);
        return closing.size();
    }

    @PreDestroy
    void closeAll() {
        List<PooledConnection> closing = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(closing::addAll);
            idle.clear();
            open -= closing.size();
        }
        closing.forEach(PooledConnection::closeQuietly);
        LOG.debugf("Warehouse pool closed connections=%d", closing.size());
    }

    /** Proves a connection usable after an interrupted statement; false means it must be discarded. */
    static boolean isUsable(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(5);
            return statement.execute("select 1");
        } catch (SQLException e) {
            return false;
        }
    }

    private PooledConnection unpooled(String username) throws SQLException {
        Connection connection;
        synchronized (openMonitors.computeIfAbsent(username, ignored -> new Object())) {
            connection = connector.open(username);
        }
        return new PooledConnection(this, username, connection) {
            @Override
            public void close() {
                closeQuietly();
            }
        };
    }

    private PooledConnection leastRecentlyUsedIdle() {
        return idle.values().stream().flatMap(Deque::stream)
                .min(Comparator.comparing(PooledConnection::idleSince)).orElse(null);
    }

    private void removeIdle(PooledConnection connection) {
        Deque<PooledConnection> own = idle.get(connection.username());
        own.remove(connection);
        if (own.isEmpty()) {
            idle.remove(connection.username());
        }
    }
}
