package dev.decode.runner.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Which jobs may run: first come, first served, except that a user never has two jobs running (the job holds their
 * database as writer), so a user with several queued jobs cannot keep others waiting. At most {@code maxRunning} run
 * at once, at most {@code capacity} wait, and each user has at most {@code perUser} queued or running. A job starts
 * only when the memory headroom covers what it is expected to need; strictly in order, so that a large job waiting
 * for memory is not overtaken for ever by smaller ones behind it, except that the oldest startable job starts when
 * nothing runs at all, whatever the headroom (else a budget smaller than one job would block every job). Thread-safe.
 */
final class JobQueue<T> {

    /** Why a queued job has not started yet (the contract's {@code waitingFor}). */
    enum Wait {
        /** Every running slot is taken. */
        SLOT,
        /** The headroom does not cover what the job is expected to need, or an older job waits for memory. */
        MEMORY,
        /** Another job of the same user runs and holds their database. */
        DATABASE;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A job taken to start: what it is expected to need, and the headroom it got (before its own need). */
    record Admitted<T>(T job, long need, long headroom) {
    }

    private final int maxRunning;
    private final int capacity;
    private final int perUser;
    private final Function<T, String> owner;
    private final Set<T> queued = new LinkedHashSet<>();
    /** Each running job with what it was expected to need when it started. */
    private final Map<T, Long> running = new LinkedHashMap<>();
    private final Map<T, Wait> waits = new HashMap<>();

    JobQueue(int maxRunning, int capacity, int perUser, Function<T, String> owner) {
        if (maxRunning < 1 || capacity < 1 || perUser < 1) {
            throw new IllegalArgumentException("maxRunning, capacity and perUser must be at least 1, got "
                    + maxRunning + ", " + capacity + ", " + perUser);
        }
        this.maxRunning = maxRunning;
        this.capacity = capacity;
        this.perUser = perUser;
        this.owner = owner;
    }

    /** Queues the job or refuses it with the contract's 429 when the user or the service is at its limit. */
    synchronized void add(T job) {
        String user = owner.apply(job);
        long mine = queued.stream().filter(other -> user.equals(owner.apply(other))).count()
                + running.keySet().stream().filter(other -> user.equals(owner.apply(other))).count();
        if (mine >= perUser) {
            throw JobProblems.queueFull("You already have " + perUser + " jobs queued or running; wait for one to finish.");
        }
        if (queued.size() >= capacity) {
            throw JobProblems.queueFull("The service has " + capacity + " jobs waiting; try again shortly.");
        }
        queued.add(job);
    }

    /**
     * Moves the jobs that may start now from queued to running, oldest first, and returns them; the others get the
     * reason they wait. {@code headroom} is the budget less what is used now; a running job still reserves what it
     * is expected to need beyond what it uses ({@code inUse}), since one that just started has not grown yet.
     */
    synchronized List<Admitted<T>> takeStartable(long headroom, ToLongFunction<T> need, ToLongFunction<T> inUse) {
        long free = headroom;
        for (Map.Entry<T, Long> job : running.entrySet()) {
            free -= Math.max(0, job.getValue() - inUse.applyAsLong(job.getKey()));
        }
        List<Admitted<T>> started = new ArrayList<>();
        boolean memoryShort = false;
        Iterator<T> waiting = queued.iterator();
        while (waiting.hasNext()) {
            T job = waiting.next();
            Wait wait;
            if (hasRunning(owner.apply(job))) {
                wait = Wait.DATABASE;
            } else if (running.size() >= maxRunning) {
                wait = Wait.SLOT;
            } else if (memoryShort) {
                wait = Wait.MEMORY;
            } else {
                long expected = need.applyAsLong(job);
                if (expected <= free || running.isEmpty()) {
                    waiting.remove();
                    waits.remove(job);
                    running.put(job, expected);
                    started.add(new Admitted<>(job, expected, free));
                    free -= expected;
                    continue;
                }
                memoryShort = true;
                wait = Wait.MEMORY;
            }
            waits.put(job, wait);
        }
        return started;
    }

    /** False when the job was not waiting (it already started or left). */
    synchronized boolean removeQueued(T job) {
        waits.remove(job);
        return queued.remove(job);
    }

    synchronized void finished(T job) {
        running.remove(job);
    }

    /** Why the job has not started; null when it is not waiting or no pass looked at it yet. */
    synchronized Wait waitingFor(T job) {
        return queued.contains(job) ? waits.get(job) : null;
    }

    /** 1 for the next job to start; null when the job is not waiting. */
    synchronized Integer position(T job) {
        int position = 1;
        for (T waiting : queued) {
            if (waiting.equals(job)) {
                return position;
            }
            position++;
        }
        return null;
    }

    synchronized int queuedCount() {
        return queued.size();
    }

    synchronized int runningCount() {
        return running.size();
    }

    synchronized List<T> running() {
        return List.copyOf(running.keySet());
    }

    synchronized boolean hasActive(String user) {
        return hasRunning(user) || queued.stream().anyMatch(job -> user.equals(owner.apply(job)));
    }

    synchronized List<T> activeOf(String user) {
        List<T> mine = new ArrayList<>();
        queued.stream().filter(job -> user.equals(owner.apply(job))).forEach(mine::add);
        running.keySet().stream().filter(job -> user.equals(owner.apply(job))).forEach(mine::add);
        return mine;
    }

    private boolean hasRunning(String user) {
        return running.keySet().stream().anyMatch(job -> user.equals(owner.apply(job)));
    }
}
