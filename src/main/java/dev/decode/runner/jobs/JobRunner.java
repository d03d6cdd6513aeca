package dev.decode.runner.jobs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.BlockingWork;
import dev.decode.runner.platform.Postgres;
import dev.decode.runner.warehouse.DatabaseLocks;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The life of one started job as one flow: record it running, take the user's database as writer, start dbt unless
 * the project may not run as it is, turn dbt's output into log lines, nodes and progress, kill what it left
 * behind, and record the end. The database lease is released and the end recorded exactly once, however the flow
 * ends. Blocking steps (the lock wait, the process, files) run on worker threads; PostgreSQL calls are composed.
 */
@ApplicationScoped
class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    private static final Duration LEASE_SLICE = Duration.ofMillis(500);
    private static final long LEFTOVER_WAIT_MILLIS = 5_000;
    /** How long the end of a job is retried while PostgreSQL is unreachable; longer outages leave it to recovery. */
    private static final Duration END_RETRY_FOR = Duration.ofHours(1);

    private final JobsConfig config;
    private final JobStore store;
    private final DbtLauncher launcher;
    private final DatabaseLocks locks;
    private final JobMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;

    JobRunner(JobsConfig config, JobStore store, DbtLauncher launcher, DatabaseLocks locks, JobMetrics metrics,
            ObjectMapper json, Clock clock) {
        this.config = config;
        this.store = store;
        this.launcher = launcher;
        this.locks = locks;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
    }

    /** Runs a started job to its recorded end; never fails. */
    Uni<Void> run(JobRun run) {
        JobView started = run.job().view();
        return store.started(run.id(), started.startedAt())
                .invoke(() -> metrics.started(started))
                .chain(() -> BlockingWork.supply(() -> takeDatabase(run.job())))
                .chain(lease -> lease.isPresent() ? execute(run).eventually(lease.get()::close) : busy(run))
                .onFailure().recoverWithUni(failure -> BlockingWork.supply(() -> explain(run, failure)))
                .chain(exitCode -> BlockingWork.run(() -> keepParseState(run.job())).chain(() -> {
                    run.job().finish(exitCode);
                    return recordEnd(run);
                }));
    }

    /**
     * Records the job's final state and its peak memory, ends its log and counts it; a job cancelled while queued ends
     * here too.
     */
    Uni<Void> recordEnd(JobRun run) {
        JobView view = run.job().view();
        return saveEnd(view, run.peakMemory() > 0 ? run.peakMemory() : null).chain(() -> BlockingWork.run(() -> {
            run.feed().end(view);
            metrics.finished(view);
            LOG.infof("Job ended id=%s status=%s exitCode=%s", view.id(), view.status().wire(), view.exitCode());
        }));
    }

    /** dbt's merged stdout and stderr, one parsed event per line, with the server's paths made the learner's. */
    static Multi<DbtEvent> events(DbtProcess process, UnaryOperator<String> paths, ObjectMapper json) {
        return Multi.createFrom().<String>emitter(emitter -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.output(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    emitter.emit(line);
                }
                emitter.complete();
            } catch (IOException e) {
                emitter.fail(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()).map(line -> DbtEvent.parse(paths.apply(line), json));
    }

    /** Waits for queries on the user's database to finish, in short slices so that a cancel is not held up. */
    private Optional<DatabaseLocks.Lease> takeDatabase(Job job) throws InterruptedException {
        long deadline = System.nanoTime() + config.databaseWait().toNanos();
        while (!job.stopRequested()) {
            long left = Math.max(0, deadline - System.nanoTime());
            Optional<DatabaseLocks.Lease> lease = locks.write(job.username(), Duration.ofNanos(Math.min(left, LEASE_SLICE.toNanos())));
            if (lease.isPresent() || left == 0) {
                return lease;
            }
        }
        return Optional.empty();
    }

    private Uni<Integer> busy(JobRun run) {
        if (!run.job().stopRequested()) {
            log(run, "Your database stayed busy with queries for " + config.databaseWait().toSeconds()
                    + " s, so dbt did not start. Try again.");
        }
        return Uni.createFrom().nullItem();
    }

    /** dbt's exit code; null when it did not start. Whatever happens once it started, its process group is killed. */
    private Uni<Integer> execute(JobRun run) {
        return BlockingWork.supply(() -> run.startUnlessStopped(() -> start(run))).chain(started -> started
                .map(process -> store.processGroup(run.id(), run.pgid())
                        .onFailure().invoke(failure -> LOG.warnf("Could not record the process group id=%s reason=%s", run.id(), failure))
                        .onFailure().recoverWithNull()
                        .chain(() -> output(run, process))
                        .chain(() -> BlockingWork.supply(process::waitFor))
                        .eventually(() -> BlockingWork.run(() -> killLeftovers(run))))
                .orElseGet(() -> Uni.createFrom().nullItem()));
    }

    /**
     * Blocking: dbt, unless the project leads outside its workspace or asks for packages that are not offered (then null,
     * and the learner is told why).
     */
    private DbtProcess start(JobRun run) throws IOException, InterruptedException {
        Optional<String> refusal = launcher.prepare(run.job());
        if (refusal.isPresent()) {
            log(run, "dbt did not start: " + refusal.get());
            LOG.infof("Job refused before dbt started id=%s username=%s", run.id(), run.username());
            return null;
        }
        DbtProcess process = launcher.start(run.job(), run.duckdbMemoryLimit());
        LOG.infof("Job started id=%s username=%s pid=%d", run.id(), run.username(), process.pid());
        return process;
    }

    /** Each line into the log, the job's nodes and progress; nodes and progress are recorded as they change. */
    private Uni<Void> output(JobRun run, DbtProcess process) {
        Job job = run.job();
        NewestOnly<JobView> progress = new NewestOnly<>(store::progressed);
        return events(process, launcher.serverPaths(run.username(), run.id()), json).onItem().invoke(event -> {
            boolean progressed = job.apply(event);
            run.feed().append(clock.instant(), event.level(), event.msg(), event.nodeId(), progressed ? job.progress() : null);
            if (event.nodeId() != null) {
                progress.offer(job.view());
            }
        }).onItem().ignoreAsUni();
    }

    private void killLeftovers(JobRun run) throws InterruptedException {
        if (!ProcessGroups.killAll(run.pgid(), LEFTOVER_WAIT_MILLIS)) {
            LOG.warnf("Processes of a job outlived SIGKILL id=%s pgid=%d", run.id(), run.pgid());
        }
    }

    /** Blocking: what the learner reads when the flow failed; the exit code is then unknown. */
    private Integer explain(JobRun run, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof InterruptedException) {
            log(run, "The service stopped this job.");
        } else {
            LOG.errorf(cause instanceof Postgres.Unavailable ? null : cause, "Job failed to run id=%s reason=%s", run.id(), cause);
            log(run, "The job could not run because of a problem on our side.");
        }
        return null;
    }

    private void keepParseState(Job job) {
        try {
            launcher.keepPartialParse(job);
        } catch (IOException | RuntimeException e) {
            LOG.warnf(e, "Could not keep the parse state id=%s", job.id());
        }
    }

    /**
     * The final state, written now or, while PostgreSQL is unreachable, once it answers again: the job's end does not
     * wait for the outage, and its record is not left running to be marked interrupted at the next start.
     */
    private Uni<Void> saveEnd(JobView view, Long peakMemory) {
        return store.finished(view, peakMemory).onFailure(Postgres.Unavailable.class).recoverWithUni(outage -> {
            LOG.infof("PostgreSQL unreachable, the end of the job is recorded when it answers again id=%s", view.id());
            store.finished(view, peakMemory).onFailure(Postgres.Unavailable.class).retry()
                    .withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).expireIn(END_RETRY_FOR.toMillis())
                    .subscribe().with(ignored -> LOG.infof("Recorded the end of a job after an outage id=%s", view.id()),
                            failure -> LOG.errorf("Could not record the end of a job id=%s reason=%s", view.id(), failure));
            return Uni.createFrom().voidItem();
        }).onFailure().recoverWithUni(failure -> {
            LOG.errorf(failure, "Could not record the end of a job id=%s", view.id());
            return Uni.createFrom().voidItem();
        });
    }

    private void log(JobRun run, String message) {
        run.feed().append(clock.instant(), "error", message, null, null);
    }

    /**
     * Writes one value at a time, always the newest: dbt's output is never held up by PostgreSQL, and values that
     * came while a write was under way collapse into the last of them.
     */
    static final class NewestOnly<T> {

        private final Function<T, Uni<Void>> write;
        private final AtomicReference<T> unsaved = new AtomicReference<>();
        private final AtomicBoolean writing = new AtomicBoolean();

        NewestOnly(Function<T, Uni<Void>> write) {
            this.write = write;
        }

        void offer(T value) {
            unsaved.set(value);
            drain();
        }

        private void drain() {
            while (unsaved.get() != null && writing.compareAndSet(false, true)) {
                T value = unsaved.getAndSet(null);
                if (value == null) {
                    writing.set(false);
                    continue;
                }
                write.apply(value).subscribe().with(ignored -> written(), failure -> written());
                return;
            }
        }

        private void written() {
            writing.set(false);
            drain();
        }
    }
}
