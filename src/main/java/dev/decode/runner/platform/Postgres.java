package dev.decode.runner.platform;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.errors.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * PostgreSQL through the reactive pool. A statement that fails because the server cannot be reached (refused, reset,
 * shutting down, starting up) fails with {@link Unavailable}, which answers 503 {@code database-unavailable}; any other
 * failure passes through unchanged. An outage is logged once when it starts and once when a statement succeeds again.
 */
@ApplicationScoped
public class Postgres {

    private static final Logger LOG = Logger.getLogger(Postgres.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    /**
     * Connection exceptions (class 08), the server shutting down or starting up, and too many connections: conditions
     * of the server, not of the statement, that pass without anything changing here.
     */
    private static final Set<String> UNREACHABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300");

    private final Pool pool;
    private final Clock clock;
    /** When the current outage began; null while PostgreSQL answers. */
    private final AtomicReference<Instant> outageSince = new AtomicReference<>();

    Postgres(Pool pool, Clock clock) {
        this.pool = pool;
        this.clock = clock;
    }

    /** 503 {@code database-unavailable}: PostgreSQL could not be reached for this request. */
    public static final class Unavailable extends ProblemException {

        Unavailable() {
            super(503, "database-unavailable", "Database unavailable",
                    "The service's database cannot be reached at the moment; try again shortly.",
                    Map.of("Retry-After", Long.toString(RETRY_AFTER.toSeconds())));
        }
    }

    /** Runs one prepared statement on a pooled connection. */
    public Uni<RowSet<Row>> execute(String sql, Tuple arguments) {
        return pool.preparedQuery(sql).execute(arguments).onItemOrFailure().transformToUni((rows, failure) -> {
            if (failure == null) {
                reachable();
                return Uni.createFrom().item(rows);
            }
            return Uni.createFrom().failure(classify(failure));
        });
    }

    private Throwable classify(Throwable failure) {
        if (!isUnreachable(failure)) {
            return failure;
        }
        if (outageSince.compareAndSet(null, clock.instant())) {
            LOG.warnf("PostgreSQL unreachable, answering 503 database-unavailable reason=%s", failure.toString());
        }
        return new Unavailable();
    }

    private void reachable() {
        Instant since = outageSince.get();
        if (since != null && outageSince.compareAndSet(since, null)) {
            LOG.infof("PostgreSQL reachable again outageSeconds=%d", Duration.between(since, clock.instant()).toSeconds());
        }
    }

    private static boolean isUnreachable(Throwable failure) {
        if (failure instanceof PgException pg) {
            String state = pg.getSqlState();
            return state != null && (state.startsWith("08") || UNREACHABLE_STATES.contains(state));
        }
        return failure instanceof IOException || failure instanceof ClosedConnectionException;
    }
}
