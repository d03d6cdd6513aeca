package dev.decode.runner.jobs;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * What the supervisor knows of memory: the {@link MemoryGauge} on the real /proc and cgroup hierarchy, what each
 * learner's jobs needed before (the peak private memory of their last job of that command that ran to its end: a
 * parse needs less than a build), and the DuckDB memory limit a job gets from the headroom it started with.
 * Thread-safe.
 */
@ApplicationScoped
class JobMemory {

    /** Below this DuckDB fails even small builds instead of spilling; a job started past the budget still gets it. */
    static final long DUCKDB_MINIMUM = 64L * 1024 * 1024;

    private record Learned(String username, String command) {
    }

    private final MemoryGauge gauge;
    private final WarmRuntime runtime;
    private final long plainDefault;
    private final long forkedDefault;
    private final long duckdbMaximum;
    private final Map<Learned, Long> peaks = new ConcurrentHashMap<>();

    JobMemory(JobsConfig config, WarmRuntime runtime) {
        this.gauge = new MemoryGauge(Path.of("/proc"), Path.of("/sys/fs/cgroup"), ProcessHandle.current().pid(),
                config.memoryBudget().asLongValue());
        this.runtime = runtime;
        this.plainDefault = config.jobMemory().asLongValue();
        this.forkedDefault = config.forkedJobMemory().asLongValue();
        this.duckdbMaximum = config.process().duckdbMemoryLimit().asLongValue();
    }

    /** Blocking: see {@link MemoryGauge#read}. */
    MemoryGauge.Reading read(Collection<Long> jobRoots) {
        return gauge.read(jobRoots);
    }

    /**
     * What a job of the learner is expected to need: the peak of their last such job, or the configured default for a
     * job forked from the warm runtime when it is ready, else for a plain process.
     */
    long need(String username, String command) {
        return peaks.getOrDefault(new Learned(username, command), jobDefault());
    }

    private long jobDefault() {
        return runtime.ready() ? forkedDefault : plainDefault;
    }

    boolean knows(String username, String command) {
        return peaks.containsKey(new Learned(username, command));
    }

    /**
     * The peak of a job that ran to its end replaces what was known; one of a job stopped early (cancelled, timed out)
     * only raises it, since the job may have stopped before its heaviest part. A peak of 0 (the job was never sampled)
     * teaches nothing.
     */
    void remember(String username, String command, long peak, boolean ranToItsEnd) {
        if (peak > 0) {
            peaks.compute(new Learned(username, command),
                    (learned, known) -> ranToItsEnd ? peak : Math.max(peak, known == null ? jobDefault() : known));
        }
    }

    void forget(String username) {
        peaks.keySet().removeIf(learned -> learned.username().equals(username));
    }

    /** DuckDB may use the headroom the job started with, at most the configured limit and at least a working minimum. */
    long duckdbLimit(long headroom) {
        return Math.max(Math.min(headroom, duckdbMaximum), Math.min(DUCKDB_MINIMUM, duckdbMaximum));
    }
}
