package dev.decode.runner.jobs;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One job the service holds in memory, from submission until it is dropped a while after its end: its state, its log
 * feed, its timers, the memory it started with and, once dbt runs, its process group, which cancel and the timers
 * signal, and the private memory its processes were last sampled at and peaked at. The process is started under the same lock as
 * the signals, so that a stop requested before the start prevents it and one after reaches it.
 */
final class JobRun {

    /** Starts dbt for the job, or answers null when it must not start. */
    @FunctionalInterface
    interface Launch {
        DbtProcess start() throws Exception;
    }

    private final Job job;
    private final JobFeed feed;
    private final JobTimers timers;
    private final CompletableFuture<Void> ending = new CompletableFuture<>();
    private long pgid = -1;
    // Apart from the start lock, which is held while a process launches: a memory pass must not wait on that.
    private volatile long duckdbMemoryLimit;
    private volatile long memoryInUse;
    private final AtomicLong peakMemory = new AtomicLong();

    JobRun(Job job, JobFeed feed, JobTimers timers) {
        this.job = job;
        this.feed = feed;
        this.timers = timers;
    }

    Job job() {
        return job;
    }

    String id() {
        return job.id();
    }

    String username() {
        return job.username();
    }

    JobFeed feed() {
        return feed;
    }

    JobTimers timers() {
        return timers;
    }

    /** Completes when the job has ended and its end is recorded. */
    CompletableFuture<Void> ending() {
        return ending;
    }

    synchronized long pgid() {
        return pgid;
    }

    /** The job starts with this DuckDB memory limit, set from the headroom it got. */
    void admitted(long duckdbLimit) {
        duckdbMemoryLimit = duckdbLimit;
    }

    long duckdbMemoryLimit() {
        return duckdbMemoryLimit;
    }

    /** The private memory (USS) of the job's processes now (0 once they are gone). */
    void sampled(long bytes) {
        memoryInUse = bytes;
        peakMemory.accumulateAndGet(bytes, Math::max);
    }

    long memoryInUse() {
        return memoryInUse;
    }

    /** The highest private memory sampled; 0 when the job was never sampled while dbt ran. */
    long peakMemory() {
        return peakMemory.get();
    }

    /** Blocking: the started process, or empty when a stop came first or {@code launch} refused. */
    synchronized Optional<DbtProcess> startUnlessStopped(Launch launch) throws Exception {
        if (job.stopRequested()) {
            return Optional.empty();
        }
        DbtProcess process = launch.start();
        if (process == null) {
            return Optional.empty();
        }
        pgid = ownGroupOf(process);
        return Optional.of(process);
    }

    /** SIGINT to the group, so that dbt cancels its running queries and exits. */
    synchronized void interrupt() {
        if (pgid > 0 && !ending.isDone()) {
            ProcessGroups.signal(pgid, "INT");
        }
    }

    synchronized void killNow() {
        if (pgid > 0 && !ending.isDone() && !ProcessGroups.members(pgid).isEmpty()) {
            ProcessGroups.signal(pgid, "KILL");
        }
    }

    /** The job's life is over: its timers go, and whoever waits for the end is let go. */
    void ended() {
        timers.cancelAll();
        ending.complete(null);
    }

    /** setsid makes a plain process its own group leader as soon as it runs; wait briefly for that before trusting it. */
    private static long ownGroupOf(DbtProcess process) throws InterruptedException {
        for (int attempt = 0; attempt < 200; attempt++) {
            long group = ProcessGroups.groupOf(process.pid());
            if (group == process.pid() || group == -1) {
                return process.pid();
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("dbt did not get a process group of its own, pid=" + process.pid());
    }
}
