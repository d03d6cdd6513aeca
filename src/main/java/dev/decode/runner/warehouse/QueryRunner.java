package dev.decode.runner.warehouse;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Runs one statement on a borrowed connection under the time limit: when the limit passes, the statement is
 * interrupted (DuckDB stops at its next check), the connection is proven usable or discarded, and the caller gets
 * 504. Rows are read one at a time and at most {@code maxRows} are kept. Blocking: call on a worker.
 */
@ApplicationScoped
public class QueryRunner {

    private static final Logger LOG = Logger.getLogger(QueryRunner.class);

    private final ScheduledThreadPoolExecutor interrupter = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "warehouse-query-interrupter");
        thread.setDaemon(true);
        return thread;
    });

    QueryRunner() {
        // Nearly every deadline is cancelled; without this each would stay queued for the whole time limit.
        interrupter.setRemoveOnCancelPolicy(true);
    }

    public QueryResult run(PooledConnection pooled, String sql, int maxRows, Duration timeout) throws SQLException {
        long started = System.nanoTime();
        AtomicBoolean interrupted = new AtomicBoolean();
        PreparedStatement statement = null;
        boolean ranWell = false;
        try {
            statement = pooled.prepare(sql);
            PreparedStatement running = statement;
            ScheduledFuture<?> deadline = interrupter.schedule(() -> interrupt(running, interrupted), timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                boolean hasRows = statement.execute();
                QueryResult result = hasRows
                        ? read(statement.getResultSet(), maxRows, started)
                        : new QueryResult(List.of(), List.of(), Math.max(0, statement.getUpdateCount()), false, elapsedMs(started));
                if (interrupted.get()) {
                    throw WarehouseProblems.timeout(timeout);
                }
                ranWell = true;
                return result;
            } finally {
                deadline.cancel(false);
            }
        } catch (SQLException e) {
            if (interrupted.get()) {
                if (!WarehousePool.isUsable(pooled.connection())) {
                    pooled.markBroken();
                }
                throw WarehouseProblems.timeout(timeout);
            }
            if (!WarehousePool.isUsable(pooled.connection())) {
                pooled.markBroken();
            }
            throw e;
        } finally {
            if (statement != null) {
                pooled.ran(sql, statement, ranWell);
            }
        }
    }

    private static QueryResult read(ResultSet rs, int maxRows, long started) throws SQLException {
        try (rs) {
            ResultSetMetaData meta = rs.getMetaData();
            int width = meta.getColumnCount();
            List<QueryResult.Column> columns = new ArrayList<>(width);
            for (int c = 1; c <= width; c++) {
                columns.add(new QueryResult.Column(meta.getColumnLabel(c), meta.getColumnTypeName(c)));
            }
            List<List<Object>> rows = new ArrayList<>(Math.min(maxRows, 1024));
            boolean truncated = false;
            while (rs.next()) {
                if (rows.size() == maxRows) {
                    truncated = true;
                    break;
                }
                List<Object> row = new ArrayList<>(width);
                for (int c = 1; c <= width; c++) {
                    row.add(DuckDbValues.toJson(rs.getObject(c)));
                }
                rows.add(row);
            }
            return new QueryResult(columns, rows, rows.size(), truncated, elapsedMs(started));
        }
    }

    private static void interrupt(PreparedStatement statement, AtomicBoolean interrupted) {
        interrupted.set(true);
        try {
            statement.cancel();
        } catch (SQLException e) {
            LOG.debugf("Interrupting a statement failed: %s", e.getMessage());
        }
    }

    private static long elapsedMs(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    @PreDestroy
    void stop() {
        interrupter.shutdownNow();
    }
}
