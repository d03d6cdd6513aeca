package dev.decode.runner.warehouse;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.StampedLock;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.decode.runner.users.UserDeleting;

/**
 * One reader-writer lock per user database. DuckDB lets one process at a time open a file for writing, so a dbt job
 * (the writer) must have the file to itself: queries (readers) wait for it, and it waits for them. StampedLock
 * because a job takes the lock on one thread and releases it on another when its process ends.
 * All acquire methods block: call them on worker threads.
 */
@ApplicationScoped
public class DatabaseLocks {

    private static final Duration USER_DELETION_WAIT = Duration.ofSeconds(30);

    private final Map<String, StampedLock> locks = new ConcurrentHashMap<>();
    private final ConnectionEviction eviction;

    DatabaseLocks(ConnectionEviction eviction) {
        this.eviction = eviction;
    }

    /** A held lock; closing it releases it exactly once. */
    public interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /** Empty when a job held the database for longer than {@code wait}. */
    public Optional<Lease> read(String username, Duration wait) throws InterruptedException {
        StampedLock lock = lockOf(username);
        long stamp = lock.tryReadLock(wait.toNanos(), TimeUnit.NANOSECONDS);
        return stamp == 0 ? Optional.empty() : Optional.of(once(() -> lock.unlockRead(stamp)));
    }

    /** Without waiting: empty while a job holds the database. Safe on an event-loop thread. */
    public Optional<Lease> readNow(String username) {
        StampedLock lock = lockOf(username);
        long stamp = lock.tryReadLock();
        return stamp == 0 ? Optional.empty() : Optional.of(once(() -> lock.unlockRead(stamp)));
    }

    /**
     * Takes the user's database for a dbt job: waits for running queries to finish, then closes the pool's idle
     * connections to the file so that the job's process can open it. Empty when queries held it longer than {@code wait}.
     */
    public Optional<Lease> write(String username, Duration wait) throws InterruptedException {
        StampedLock lock = lockOf(username);
        long stamp = lock.tryWriteLock(wait.toNanos(), TimeUnit.NANOSECONDS);
        if (stamp == 0) {
            return Optional.empty();
        }
        try {
            eviction.closeConnectionsOf(username);
        } catch (RuntimeException e) {
            lock.unlockWrite(stamp);
            throw e;
        }
        return Optional.of(once(() -> lock.unlockWrite(stamp)));
    }

    /** Waits for the deleted user's running queries and closes their connections before their files go. */
    void onUserDeleting(@Observes @Priority(UserDeleting.WAREHOUSE) UserDeleting deleted) throws InterruptedException {
        write(deleted.username(), USER_DELETION_WAIT).ifPresentOrElse(Lease::close,
                () -> eviction.closeConnectionsOf(deleted.username()));
        locks.remove(deleted.username());
    }

    private StampedLock lockOf(String username) {
        return locks.computeIfAbsent(username, ignored -> new StampedLock());
    }

    private static Lease once(Runnable release) {
        return new Lease() {
            private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public void close() {
                if (released.compareAndSet(false, true)) {
                    release.run();
                }
            }
        };
    }

    /** Implemented by the connection pool; an interface so the lock does not depend on the pool's construction. */
    public interface ConnectionEviction {
        void closeConnectionsOf(String username);
    }
}
