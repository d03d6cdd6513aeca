package dev.decode.runner.warehouse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * The pool's connection slots. Whoever finds none free waits in arrival order, and a freed slot passes straight to the
 * first waiter. A waiting thread is woken for it; a queued turn is handed to the thread that freed the slot, which runs
 * it next. Under load, a worker so runs query after query without parking and without waking another thread, and a
 * query never overtakes one that came before it (docs/PERFORMANCE.md, Warehouse).
 */
final class FifoSlots {

    private static final Logger LOG = Logger.getLogger(FifoSlots.class);

    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final ScheduledExecutorService timer;
    private final Executor dispatch;
    private int free;

    /** {@code dispatch} runs turns that find a slot free, and those whose slot a blocking borrower gives back. */
    FifoSlots(int slots, ScheduledExecutorService timer, Executor dispatch) {
        this.free = slots;
        this.timer = timer;
        this.dispatch = dispatch;
    }

    /** Blocks up to {@code wait} for a slot; false when none came in time. Give it back with {@link #release()}. */
    boolean acquire(Duration wait) throws InterruptedException {
        WakeUp waiter;
        synchronized (this) {
            if (free > 0) {
                free--;
                return true;
            }
            waiter = new WakeUp();
            waiters.addLast(waiter);
        }
        boolean woken;
        try {
            woken = waiter.handedOver.await(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            if (!withdraw(waiter)) {
                release();
            }
            throw e;
        }
        // A slot handed over just as the wait ended is this borrower's all the same.
        return woken || !withdraw(waiter);
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

    /** Gives a slot taken by {@link #acquire} to the first waiter, or frees it when none waits. */
    void release() {
        Runnable next = handOver();
        if (next != null) {
            dispatch.execute(() -> runTurns(next));
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
        Waiter first;
        synchronized (this) {
            first = waiters.pollFirst();
            if (first == null) {
                free++;
                return null;
            }
        }
        return first.handOver();
    }

    private synchronized boolean withdraw(Waiter waiter) {
        return waiters.remove(waiter);
    }

    private interface Waiter {
        /** Null for a woken thread; else the turn to run. */
        Runnable handOver();
    }

    private static final class WakeUp implements Waiter {
        private final CountDownLatch handedOver = new CountDownLatch(1);

        @Override
        public Runnable handOver() {
            handedOver.countDown();
            return null;
        }
    }

    private static final class Queued implements Waiter {
        private final Runnable turn;
        private volatile ScheduledFuture<?> timeout;

        Queued(Runnable turn) {
            this.turn = turn;
        }

        @Override
        public Runnable handOver() {
            ScheduledFuture<?> pending = timeout;
            if (pending != null) {
                pending.cancel(false);
            }
            return turn;
        }
    }
}
