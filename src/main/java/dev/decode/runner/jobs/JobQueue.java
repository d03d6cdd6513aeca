package dev.decode.runner.jobs;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which jobs may run: first come, first served, except that a user never has two jobs running (the job holds their
 * database as writer), so a user with several queued jobs cannot keep others waiting. At most {@code maxRunning} run
 * at once, at most {@code capacity} wait, and each user has at most {@code perUser} queued or running. Thread-safe.
 */
final class JobQueue<T> {

    private final int maxRunning;
    private final int capacity;
    private final int perUser;
    private final Function<T, String> owner;
    private final Set<T> queued = new LinkedHashSet<>();
    private final Set<T> running = new LinkedHashSet<>();

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
                + running.stream().filter(other -> user.equals(owner.apply(other))).count();
        if (mine >= perUser) {
            throw JobProblems.queueFull("You already have " + perUser + " jobs queued or running; wait for one to finish.");
        }
        if (queued.size() >= capacity) {
            throw JobProblems.queueFull("The service has " + capacity + " jobs waiting; try again shortly.");
        }
        queued.add(job);
    }

    /** Moves the jobs that may start now from queued to running, oldest first, and returns them. */
    synchronized List<T> takeStartable() {
        List<T> started = new ArrayList<>();
        Iterator<T> waiting = queued.iterator();
        while (running.size() < maxRunning && waiting.hasNext()) {
            T job = waiting.next();
            if (!hasRunning(owner.apply(job))) {
                waiting.remove();
                running.add(job);
                started.add(job);
            }
        }
        return started;
    }

    /** False when the job was not waiting (it already started or left). */
    synchronized boolean removeQueued(T job) {
        return queued.remove(job);
    }

    synchronized void finished(T job) {
        running.remove(job);
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

    synchronized boolean hasActive(String user) {
        return hasRunning(user) || queued.stream().anyMatch(job -> user.equals(owner.apply(job)));
    }

    synchronized List<T> activeOf(String user) {
        List<T> mine = new ArrayList<>();
        queued.stream().filter(job -> user.equals(owner.apply(job))).forEach(mine::add);
        running.stream().filter(job -> user.equals(owner.apply(job))).forEach(mine::add);
        return mine;
    }

    private boolean hasRunning(String user) {
        return running.stream().anyMatch(job -> user.equals(owner.apply(job)));
    }
}
