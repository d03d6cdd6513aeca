package dev.decode.runner.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.StripedMonitors;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * At most {@code poolSize} open DuckDB connections across all users, reused across requests. An idle connection
 * serves its own user again; when all are open, the least recently used idle one of another user is closed to make
 * room; when all are in use, queries wait in arrival order up to the borrow limit, and each returned connection
 * goes to the first of them. {@link #lend} never blocks; the other methods do: call them on workers.
 */
@ApplicationScoped
public class WarehousePool implements DatabaseLocks.ConnectionEviction {

    private static final Logger LOG = Logger.getLogger(WarehousePool.class);

    private final DuckDbConnector connector;
    private final WarehouseConfig config;
    private final Clock clock;
    private final Timer borrowWait;
    /** One user's connections are opened one at a time: they share one DuckDB instance, set up by the first. */
    private final StripedMonitors opening = new StripedMonitors(64);
    private final Map<String, Deque<PooledConnection>> idle = new HashMap<>();
    /** One slot per connection that may be in use. */
    private final FifoSlots slots;
    private final Executor workers = Infrastructure.getDefaultWorkerPool();
    private final ScheduledThreadPoolExecutor waitLimits = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "warehouse-pool-wait-limit");
        thread.setDaemon(true);
        return thread;
    });
    private int open;
    private int inUse;
    private boolean closed;

    WarehousePool(DuckDbConnector connector, WarehouseConfig config, Clock clock, MeterRegistry registry) {
        this.connector = connector;
        this.config = config;
        this.clock = clock;
        waitLimits.setRemoveOnCancelPolicy(true);
        this.slots = new FifoSlots(config.poolSize(), waitLimits, workers);
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
        return new Stats(open, open - inUse, inUse, slots.waiting());
    }

    /**
     * Gives {@code work} a connection of {@code username}'s database when its turn comes: at once on a worker, or on
     * the thread that returns a connection after the borrowers before it were served. {@code work} closes the
     * connection; it is refused with {@link WarehouseBusyException} when no connection came within the borrow limit.
     * Never blocks the caller, and never runs {@code work} on the caller's thread, which may be an event loop or a
     * worker still inside another query's answer.
     */
    public void lend(String username, Lending work) {
        long queuedAt = System.nanoTime();
        slots.runInTurn(() -> {
            borrowWait.record(System.nanoTime() - queuedAt, TimeUnit.NANOSECONDS);
            hand(username, work);
        }, config.borrowWait(), () -> {
            borrowWait.record(System.nanoTime() - queuedAt, TimeUnit.NANOSECONDS);
            work.refused(new WarehouseBusyException(config.borrowWait()));
        });
    }

    /** Work that needs a connection; see {@link #lend}. */
    public interface Lending {
        void run(PooledConnection connection);

        void refused(Exception reason);
    }

    private void hand(String username, Lending work) {
        PooledConnection connection;
        try {
            connection = connect(username);
        } catch (SQLException | RuntimeException e) {
            work.refused(e);
            return;
        }
        work.run(connection);
    }

    /** With a slot held; the slot passes on when the work that holds it returns. */
    private PooledConnection connect(String username) throws SQLException {
        PooledConnection connection = reserve(username);
        if (connection == null) {
            try {
                Connection opened;
                synchronized (opening.of(username)) {
                    opened = connector.open(username);
                }
                connection = new PooledConnection(this, username, opened);
            } catch (SQLException | RuntimeException e) {
                released(null, true);
                throw e;
            }
        }
        return connection;
    }

    /**
     * With a slot held: an idle connection of the user, or room to open one (returns null then), closing the least
     * recently used idle connection of another user when all are open.
     */
    private synchronized PooledConnection reserve(String username) throws WarehouseBusyException {
        if (closed) {
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
    synchronized void released(PooledConnection connection, boolean broken) {
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
            waitLimits.shutdown();
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
