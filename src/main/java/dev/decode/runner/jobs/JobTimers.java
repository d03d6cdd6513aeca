package dev.decode.runner.jobs;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.BlockingWork;
import io.vertx.core.Vertx;

/**
 * The timers of one job: its maximum run time and the stages of a stop. They are all cancelled when the job ends, so
 * that a finished job is not held in memory until the last of them would have fired. Vert.x timers, because their
 * cancel takes them out of the event loop's queue at once (a cancelled task of a plain scheduled executor waits there
 * until its time). Thread-safe.
 */
final class JobTimers {

    private static final Logger LOG = Logger.getLogger(JobTimers.class);

    private final Vertx vertx;
    private final Set<Long> pending = new HashSet<>();
    private boolean cancelled;

    JobTimers(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Runs {@code action} on a worker thread (it may signal processes) after {@code delay}, unless cancelled first. */
    synchronized void after(Duration delay, BlockingWork.ThrowingRunnable action) {
        if (cancelled) {
            return;
        }
        pending.add(vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
            if (fired(id)) {
                BlockingWork.run(action).subscribe().with(ignored -> { }, failure -> LOG.warnf(failure, "A job timer failed"));
            }
        }));
    }

    synchronized void cancelAll() {
        cancelled = true;
        pending.forEach(vertx::cancelTimer);
        pending.clear();
    }

    /** False when the timer was cancelled while it fired. */
    private synchronized boolean fired(long id) {
        return pending.remove(id);
    }
}
