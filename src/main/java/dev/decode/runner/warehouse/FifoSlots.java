package dev.decode.runner.warehouse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * The pool's connection slots. A turn that finds none free waits in arrival order, and a freed slot passes straight to
 * the first waiting turn, which the thread that freed it runs next. Under load, a worker so runs query after query
 * without parking and without waking another thread, and a query never overtakes one that came before it.
 */
final class FifoSlots {

    private static final Logger LOG = Logger.getLogger(FifoSlots.class);

    private final ArrayDeque<Queued> waiters = new ArrayDeque<>();
    private final ScheduledExecutorService timer;
    private final Executor dispatch;
    private int free;

    /** {@code dispatch} runs the turns that find a slot free. */
    FifoSlots(int slots, ScheduledExecutorService timer, Executor dispatch) {
        this.free = slots;
        this.timer = timer;
        this.dispatch = dispatch;
    }

    /**
     * Runs {@code turn} at once on the dispatch executor when a slot is free, else queues it: it then runs on the
     * thread that frees a slot for it, or {@code onTimeout} runs on the timer's thread when none does within
     * {@code wait}. The slot is given back when the turn returns.
     */
    void runInTurn(Runnable turn, Duration wait, Runnable onTimeout) {
        Queued queued;
        synchronized (this) {
            if (free > 0) {
                free--;
                queued = null;
            } else {
                queued = new Queued(turn);
                waiters.addLast(queued);
            }
        }
        if (queued == null) {
            dispatch.execute(() -> runTurns(turn));
            return;
        }
        Runnable expire = () -> {
            if (withdraw(queued)) {
                onTimeout.run();
            }
        };
        try {
            queued.timeout = timer.schedule(expire, wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            expire.run();
        }
    }

    synchronized int waiting() {
        return waiters.size();
    }

    private void runTurns(Runnable first) {
        for (Runnable turn = first; turn != null; turn = handOver()) {
            try {
                turn.run();
            } catch (RuntimeException e) {
                // A turn answers its own failures; one that escapes must not keep the slot from the next in line.
                LOG.errorf(e, "A warehouse turn failed");
            }
        }
    }

    /** The queued turn that the caller's slot now belongs to, for the caller to run; null when there is none. */
    private Runnable handOver() {
        Queued first;
        synchronized (this) {
            first = waiters.pollFirst();
            if (first == null) {
                free++;
                return null;
            }
        }
        return first.handOver();
    }

    private synchronized boolean withdraw(Queued waiter) {
        return waiters.remove(waiter);
    }

    private static final class Queued {
        private final Runnable turn;
        private volatile ScheduledFuture<?> timeout;

        Queued(Runnable turn) {
            this.turn = turn;
        }

        /** The turn to run, its wait limit no longer needed. */
        Runnable handOver() {
            ScheduledFuture<?> pending = timeout;
            if (pending != null) {
                pending.cancel(false);
            }
            return turn;
        }
    }
}
