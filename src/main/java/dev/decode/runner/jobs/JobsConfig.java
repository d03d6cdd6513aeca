package dev.decode.runner.jobs;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The dbt job supervisor: how many run, for how long, and the limits each dbt process runs under. */
@ConfigMapping(prefix = "runner.jobs")
public interface JobsConfig {

    /** The dbt CLI: an absolute path, or a name looked up on the service's PATH. */
    @WithDefault("dbt")
    String dbtExecutable();

    /** Jobs running at once across all users; each dbt process adds about 140 MB (PSS), most of it Python's imports. */
    @WithDefault("3")
    int maxRunning();

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

        /** DuckDB's own memory cap inside each job. */
        @WithDefault("128MB")
        String duckdbMemoryLimit();
    }
}
