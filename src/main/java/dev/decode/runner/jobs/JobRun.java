package dev.decode.runner.jobs;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.warehouse.DatabaseLocks;
import io.smallrye.mutiny.Multi;

/**
 * One started job on a thread of its own: takes the user's database as writer, runs dbt, turns its output into
 * events for the log and the job's nodes and progress, and records the end. The database lease is released and the
 * end recorded exactly once, however the run ends.
 */
final class JobRun implements Runnable {

    private static final Logger LOG = Logger.getLogger(JobRun.class);
    private static final Duration STORE_WAIT = Duration.ofSeconds(10);
    private static final Duration LEASE_SLICE = Duration.ofMillis(500);

    /** The collaborators every run needs; a singleton, not a client proxy, because runs read its fields. */
    @Singleton
    static class Dependencies {
        final JobsConfig config;
        final JobStore store;
        final DbtLauncher launcher;
        final DatabaseLocks locks;
        final JobMetrics metrics;
        final ObjectMapper json;
        final Clock clock;

        Dependencies(JobsConfig config, JobStore store, DbtLauncher launcher, DatabaseLocks locks, JobMetrics metrics,
                ObjectMapper json, Clock clock) {
            this.config = config;
            this.store = store;
            this.launcher = launcher;
            this.locks = locks;
            this.metrics = metrics;
            this.json = json;
            this.clock = clock;
        }
    }

    private final Job job;
    private final JobFeed feed;
    private final Dependencies deps;
    private final Runnable onEnd;
    private final CompletableFuture<Void> ending = new CompletableFuture<>();
    private long pgid = -1;
    private final AtomicReference<JobView> unsaved = new AtomicReference<>();
    private final AtomicBoolean saving = new AtomicBoolean();

    JobRun(Job job, JobFeed feed, Dependencies deps, Runnable onEnd) {
        this.job = job;
        this.feed = feed;
        this.deps = deps;
        this.onEnd = onEnd;
    }

    CompletableFuture<Void> ending() {
        return ending;
    }

    @Override
    public void run() {
        Integer exitCode = null;
        Optional<DatabaseLocks.Lease> lease = Optional.empty();
        try {
            JobView started = job.view();
            deps.store.started(job.id(), started.startedAt()).await().atMost(STORE_WAIT);
            deps.metrics.started(started);
            lease = takeDatabase();
            if (lease.isEmpty() && !job.stopRequested()) {
                log("error", "Your database stayed busy with queries for " + deps.config.databaseWait().toSeconds()
                        + " s, so dbt did not start. Try again.");
            } else if (lease.isPresent()) {
                exitCode = execute();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log("error", "The service stopped this job.");
        } catch (Exception e) {
            LOG.errorf(e, "Job failed to run id=%s", job.id());
            log("error", "The job could not run because of a problem on our side.");
        } finally {
            lease.ifPresent(DatabaseLocks.Lease::close);
            finish(exitCode);
        }
    }

    /** Waits for queries on the user's database to finish, in short slices so that a cancel is not held up. */
    private Optional<DatabaseLocks.Lease> takeDatabase() throws InterruptedException {
        long deadline = System.nanoTime() + deps.config.databaseWait().toNanos();
        while (!job.stopRequested()) {
            long left = Math.max(0, deadline - System.nanoTime());
            Optional<DatabaseLocks.Lease> lease = deps.locks.write(job.username(), Duration.ofNanos(Math.min(left, LEASE_SLICE.toNanos())));
            if (lease.isPresent() || left == 0) {
                return lease;
            }
        }
        return Optional.empty();
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

    private Integer execute() throws Exception {
        Process process;
        synchronized (this) {
            if (job.stopRequested()) {
                return null;
            }
            Optional<String> escape = deps.launcher.escapeFromWorkspace(job);
            if (escape.isPresent()) {
                log("error", "dbt did not start: " + escape.get());
                LOG.infof("Job refused a project that leads outside its workspace id=%s username=%s", job.id(), job.username());
                return null;
            }
            process = deps.launcher.start(job);
            pgid = ownGroupOf(process);
        }
        LOG.infof("Job started id=%s username=%s pid=%d", job.id(), job.username(), process.pid());
        deps.store.processGroup(job.id(), pgid).await().atMost(STORE_WAIT);
        events(process, deps.launcher.serverPaths(job.username(), job.id()), deps.json).onItem().invoke(this::onEvent)
                .collect().last().await().indefinitely();
        int code = process.waitFor();
        if (!ProcessGroups.killAll(pgid, 5_000)) {
            LOG.warnf("Processes of a job outlived SIGKILL id=%s pgid=%d", job.id(), pgid);
        }
        return code;
    }

    /** dbt's merged stdout and stderr, one parsed event per line, with the server's paths made the learner's. */
    static Multi<DbtEvent> events(Process process, UnaryOperator<String> paths, ObjectMapper json) {
        return Multi.createFrom().<String>emitter(emitter -> {
            try (BufferedReader reader = process.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    emitter.emit(line);
                }
                emitter.complete();
            } catch (IOException e) {
                emitter.fail(e);
            }
        }).map(line -> DbtEvent.parse(paths.apply(line), json));
    }

    private void onEvent(DbtEvent event) {
        boolean progressed = job.apply(event);
        feed.append(deps.clock.instant(), event.level(), event.msg(), event.nodeId(), progressed ? job.progress() : null);
        if (event.nodeId() != null) {
            unsaved.set(job.view());
            saveNewestProgress();
        }
    }

    /**
     * Records nodes and progress while the job runs, so that a job the service loses keeps them. One write at a time,
     * each with the newest state; dbt's output is never held up by PostgreSQL, and the end is recorded anyway.
     */
    private void saveNewestProgress() {
        if (!saving.compareAndSet(false, true)) {
            return;
        }
        JobView view = unsaved.getAndSet(null);
        if (view == null) {
            saving.set(false);
            if (unsaved.get() != null) {
                saveNewestProgress();
            }
            return;
        }
        deps.store.progressed(view).subscribe().with(ignored -> afterSave(), failure -> afterSave());
    }

    private void afterSave() {
        saving.set(false);
        saveNewestProgress();
    }

    /** setsid makes the process its own group leader as soon as it runs; wait briefly for that before trusting it. */
    private static long ownGroupOf(Process process) throws InterruptedException {
        for (int attempt = 0; attempt < 200; attempt++) {
            long group = ProcessGroups.groupOf(process.pid());
            if (group == process.pid() || group == -1) {
                return process.pid();
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("dbt did not get a process group of its own, pid=" + process.pid());
    }

    private void finish(Integer exitCode) {
        try {
            deps.launcher.keepPartialParse(job);
        } catch (IOException | RuntimeException e) {
            LOG.warnf(e, "Could not keep the parse state id=%s", job.id());
        }
        try {
            job.finish(exitCode);
            JobView view = job.view();
            try {
                deps.store.finished(view).await().atMost(STORE_WAIT);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Could not record the end of a job id=%s", job.id());
            }
            feed.end(view);
            deps.metrics.finished(view);
            LOG.infof("Job ended id=%s status=%s exitCode=%s", job.id(), view.status().wire(), exitCode);
        } finally {
            ending.complete(null);
            onEnd.run();
        }
    }

    private void log(String level, String message) {
        feed.append(deps.clock.instant(), level, message, null, null);
    }
}
