package dev.decode.runner.warehouse;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.Timeout;

import dev.decode.runner.platform.BlockingWork;
import dev.decode.runner.platform.PlatformConfig;
import dev.decode.runner.platform.TimeOrderedIds;
import dev.decode.runner.platform.errors.ProblemException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/** Runs learners' SQL in their sandboxed database and keeps the history of what they ran. */
@ApplicationScoped
public class WarehouseService {

    /** Above the 30 s query limit plus the waits for the database and a connection, so those answer first. */
    static final int BACKSTOP_SECONDS = 40;
    static final int MAX_HISTORY = 200;

    private final WarehouseConfig config;
    private final DatabaseLocks locks;
    private final WarehousePool pool;
    private final QueryRunner runner;
    private final QueryHistoryStore history;
    private final Clock clock;
    private final String dataDir;

    WarehouseService(WarehouseConfig config, DatabaseLocks locks, WarehousePool pool, QueryRunner runner,
            QueryHistoryStore history, Clock clock, PlatformConfig platform) {
        this.config = config;
        this.locks = locks;
        this.pool = pool;
        this.runner = runner;
        this.history = history;
        this.clock = clock;
        this.dataDir = platform.dataDir().toAbsolutePath().normalize().toString();
    }

    /**
     * The bulkhead bounds how many queries may stand in the pool's line at once, and how many more may wait to
     * join it; the timeout is a backstop above the query's own limit. Both are configurable through SmallRye
     * Fault Tolerance's properties ({@code dev.decode.runner.warehouse.WarehouseService/run/Bulkhead/value}, ...).
     */
    @Bulkhead(value = 16, waitingTaskQueue = 64)
    @Timeout(value = BACKSTOP_SECONDS, unit = ChronoUnit.SECONDS)
    public Uni<QueryResult> run(String username, String sql, Integer maxRows) {
        int rowLimit = maxRows == null ? config.defaultMaxRows() : maxRows;
        Instant createdAt = clock.instant();
        // Few operators: with context propagation on, every Mutiny operator captures the request's contexts.
        return Uni.createFrom().<QueryResult>emitter(answer -> start(username, sql, rowLimit, answer))
                .onItemOrFailure().invoke((result, failure) -> record(username, sql, createdAt, result, failure));
    }

    public Uni<List<QueryHistoryStore.Entry>> history(String username, int limit) {
        return history.newest(username, limit);
    }

    /**
     * Runs where the call arrives, usually the event loop, so nothing here blocks. Under load most queries find every
     * connection busy and only join the line here, without a hop to a worker: the thread that returns a connection
     * runs the next in line. The guard runs here too, so a refused statement is answered 403 at once, never 409 or 503
     * after a wait; it only reads the text, and costs less than parsing the request body that carried it, which also
     * happens on the event loop.
     */
    private void start(String username, String sql, int maxRows, UniEmitter<? super QueryResult> answer) {
        try {
            SqlGuard.check(sql);
        } catch (RuntimeException e) {
            answer.fail(e);
            return;
        }
        Optional<DatabaseLocks.Lease> free = locks.readNow(username);
        if (free.isPresent()) {
            lend(username, sql, maxRows, free.get(), answer);
            return;
        }
        // A dbt job has the database: wait for it on a worker.
        BlockingWork.run(() -> lend(username, sql, maxRows,
                locks.read(username, config.databaseBusyWait()).orElseThrow(WarehouseProblems::databaseBusy), answer))
                .subscribe().with(ignored -> {
                }, answer::fail);
    }

    private void lend(String username, String sql, int maxRows, DatabaseLocks.Lease lease, UniEmitter<? super QueryResult> answer) {
        pool.lend(username, new WarehousePool.Lending() {
            @Override
            public void run(PooledConnection connection) {
                QueryResult result;
                try (lease; connection) {
                    result = runner.run(connection, sql, maxRows, config.queryTimeout());
                } catch (SQLException e) {
                    answer.fail(fromDuckDb(e));
                    return;
                } catch (RuntimeException | Error e) {
                    // An error of DuckDB's JNI layer too: the learner gets an answer, never a request left hanging.
                    answer.fail(e);
                    return;
                }
                answer.complete(result);
            }

            @Override
            public void refused(Exception reason) {
                lease.close();
                answer.fail(reason instanceof SQLException e ? fromDuckDb(e) : reason);
            }
        });
    }

    /** DuckDB's own refusals are the sandbox speaking (403); other errors are the learner's SQL (400). */
    private ProblemException fromDuckDb(SQLException e) {
        String message = e.getMessage() == null ? "DuckDB rejected the statement." : e.getMessage().replace(dataDir, "<data>");
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("read-only mode") || lower.contains("disabled by configuration") || lower.contains("configuration has been locked")) {
            return WarehouseProblems.notAllowed(message);
        }
        return WarehouseProblems.sqlError(message);
    }

    private void record(String username, String sql, Instant createdAt, QueryResult result, Throwable failure) {
        String status = "succeeded";
        String error = null;
        if (failure != null) {
            ProblemException problem = failure instanceof ProblemException known ? known : null;
            status = problem == null ? "failed" : problem.slug().replace('-', '_');
            error = problem == null ? "internal error" : problem.detail();
        }
        QueryHistoryStore.Entry entry = new QueryHistoryStore.Entry(TimeOrderedIds.next(createdAt), sql, status,
                result == null ? null : result.rowCount(), result == null ? null : result.elapsedMs(), createdAt, error);
        history.record(username, entry);
    }
}
