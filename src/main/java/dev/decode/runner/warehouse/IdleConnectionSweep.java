package dev.decode.runner.warehouse;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;

/** Closes warehouse connections nobody used for the idle timeout, so idle learners hold no DuckDB memory. */
@ApplicationScoped
class IdleConnectionSweep {

    private static final Logger LOG = Logger.getLogger(IdleConnectionSweep.class);

    private final WarehousePool pool;
    private final Clock clock;

    IdleConnectionSweep(WarehousePool pool, Clock clock) {
        this.pool = pool;
        this.clock = clock;
    }

    @Scheduled(every = "${runner.warehouse.idle-sweep-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, identity = "warehouse-idle-sweep")
    void sweep() {
        try {
            int closed = pool.closeIdle(clock.instant());
            LOG.infof("Cleaned up %d idle connections", closed);
        } catch (RuntimeException e) {
            LOG.warnf("Idle connection sweep failed: %s", e.getMessage());
        }
    }
}
