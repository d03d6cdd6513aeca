package dev.decode.runner.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.BlockingWork;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * The timers of one job: its maximum run time and the stages of a stop. They are all cancelled when the job ends, so
 * that a finished job is not held in memory until the last of them would have fired. Thread-safe.
 */
final class JobTimers {

    private static final Logger LOG = Logger.getLogger(JobTimers.class);

    private final ScheduledExecutorService scheduler;
    private final List<Cancellable> pending = new ArrayList<>();
    private boolean cancelled;

    JobTimers(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** Runs {@code action} on a worker thread (it may signal processes) after {@code delay}, unless cancelled first. */
    synchronized void after(Duration delay, BlockingWork.ThrowingRunnable action) {
        if (cancelled) {
            return;
        }
        pending.add(Uni.createFrom().voidItem().onItem().delayIt().onExecutor(scheduler).by(delay)
                .chain(() -> BlockingWork.run(action))
                .subscribe().with(ignored -> { }, failure -> LOG.warnf(failure, "A job timer failed")));
    }

    synchronized void cancelAll() {
        cancelled = true;
        pending.forEach(Cancellable::cancel);
        pending.clear();
    }
}
