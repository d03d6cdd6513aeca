package dev.decode.runner.jobs;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The dbt job supervisor: how many run, in how much memory, for how long, and the limits each dbt process runs under. */
@ConfigMapping(prefix = "runner.jobs")
public interface JobsConfig {

    /** The dbt CLI: an absolute path, or a name looked up on the service's PATH. */
    @WithDefault("dbt")
    String dbtExecutable();

    /**
     * Jobs running at once across all users, an upper bound beside memory ({@link #memoryBudget}); a starter build adds
     * about 100 MB forked from the warm runtime, about 170 MB as a plain process, most of it Python's imports.
     */
    @WithDefault("3")
    int maxRunning();

    /**
     * The memory the service and its dbt processes may use together ({@code RUNNER_MEMORY_BUDGET}). Under a cgroup v2
     * memory limit (a container's) the lower of the two counts, and the use is the cgroup's; without one the use is the
     * PSS of the service's process tree. A queued job starts only when the headroom left covers what the learner's last
     * job of that command peaked at ({@link #jobMemory} before there is one), oldest first; nothing is stopped for
     * memory, and when nothing runs the oldest job starts whatever the headroom, so that a small budget never blocks.
     */
    @WithDefault("512M")
    MemorySize memoryBudget();

    /**
     * What a job running as a plain dbt process is expected to need while its learner has no recorded peak for its
     * command: a starter build's process peaks at 157-177 MB of private memory.
     */
    @WithDefault("180M")
    MemorySize jobMemory();

    /**
     * The same for a job forked from the warm runtime, which shares the runtime's imported modules: a starter build's
     * child peaks at 89-115 MB of private memory.
     */
    @WithDefault("120M")
    MemorySize forkedJobMemory();

    /**
     * How often, while jobs run or wait, the tree's memory is read: it samples each running job's peak and starts
     * waiting jobs once memory frees.
     */
    @WithDefault("500ms")
    Duration memorySampleEvery();

    /**
     * Jobs fork from one warm dbt runtime, a Python process that imported dbt once: they start without Python's
     * start-up and share its modules' memory. Off, each job starts a dbt process of its own.
     */
    @WithDefault("true")
    boolean warmRuntime();

    /** Jobs of one user queued or running at once; beyond it their submissions get 429 job-queue-full. */
    @WithDefault("3")
    int maxQueuedJobs();

    /** Jobs waiting across all users; beyond it submissions get 429 job-queue-full. */
    @WithDefault("50")
    int queueCapacity();

    /** A job still running after this is stopped and ends timed_out. */
    @WithDefault("30m")
    Duration maxRunTime();

    /** After SIGINT, dbt gets this long to cancel its queries before the process group is killed. */
    @WithDefault("20s")
    Duration cancelGrace();

    /** How long a job waits for queries on the user's database to finish before it fails. */
    @WithDefault("5m")
    Duration databaseWait();

    /** Finished jobs stay in memory this long after they end; their record and log stay on. */
    @WithDefault("5m")
    Duration keepFinished();

    /** How often finished jobs are dropped from memory (a Quarkus scheduler expression, or "off"). */
    @WithDefault("1m")
    String sweepEvery();

    /** A quiet log stream gets a comment line this often, so that proxies keep it open. */
    @WithDefault("15s")
    Duration logHeartbeat();

    Process process();

    Directories directories();

    /** What one learner's jobs may leave on disk (log, profile, artifacts per job); their records always stay. */
    interface Directories {
        /** Job directories kept per learner; beyond it the oldest are deleted. */
        @WithDefault("20")
        int keep();

        /** Disk one learner's job directories may take together; a starter build leaves about 1.5 MB. */
        @WithDefault("32M")
        MemorySize maxSize();
    }

    /** Resource limits of each dbt process, applied with prlimit. */
    interface Process {
        /**
         * Address space. Python with DuckDB maps about 1.3 GB of address space for the starter's build while its
         * resident set stays near 190 MB; 1 GB made dbt die of MemoryError, so the cap sits well above.
         */
        @WithDefault("3G")
        MemorySize addressSpace();

        /** Counted per user id by Linux (the service's threads included), so it only stops runaway forking. */
        @WithDefault("4096")
        int processes();

        @WithDefault("256")
        int openFiles();

        /**
         * DuckDB's memory cap inside each job at most: a job gets the headroom it started with, within this and a
         * minimum of 64M.
         */
        @WithDefault("128M")
        MemorySize duckdbMemoryLimit();
    }
}
