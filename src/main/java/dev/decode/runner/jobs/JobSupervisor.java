package dev.decode.runner.jobs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.BlockingWork;
import dev.decode.runner.platform.errors.ProblemException;
import dev.decode.runner.users.UserDeleting;
import dev.decode.runner.workspace.ActiveJobs;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Owns the jobs in memory: queues submissions, starts what {@link JobQueue} allows with the memory {@link JobMemory}
 * reads ({@link JobRunner} runs each on worker threads), stops jobs on cancel and at the maximum run time, drops
 * finished jobs from memory after a while, and at start-up marks what a stopped service left queued or running as
 * interrupted. While jobs run or wait, a pass every {@code memory-sample-every} samples each running job's memory and
 * starts what fits; a job ending or submitted runs a pass at once. Passes run one at a time, on worker threads.
 */
@ApplicationScoped
public class JobSupervisor implements ActiveJobs {

    private static final Logger LOG = Logger.getLogger(JobSupervisor.class);
    private static final String DOCS = "docs";

    private final JobsConfig config;
    private final JobStore store;
    private final DbtLauncher launcher;
    private final JobRunner runner;
    private final Vertx vertx;
    private final ObjectMapper json;
    private final Clock clock;
    private final JobMemory memory;
    private final JobQueue<JobRun> queue;
    /** Every job in memory, queued, running or recently finished. */
    private final Map<String, JobRun> runs = new ConcurrentHashMap<>();
    /** Passes asked for and not yet run; the pass that takes it from 0 runs them, one after the other. */
    private final AtomicInteger passesAsked = new AtomicInteger();
    private final AtomicBoolean passScheduled = new AtomicBoolean();
    private final AtomicReference<MemoryGauge.Reading> lastReading = new AtomicReference<>();
    private final AtomicBoolean gaugeFailing = new AtomicBoolean();

    JobSupervisor(JobsConfig config, JobStore store, DbtLauncher launcher, JobRunner runner, JobMemory memory,
            Vertx vertx, JobMetrics metrics, ObjectMapper json, Clock clock) {
        this.config = config;
        this.store = store;
        this.launcher = launcher;
        this.runner = runner;
        this.memory = memory;
        this.vertx = vertx;
        this.json = json;
        this.clock = clock;
        this.queue = new JobQueue<>(config.maxRunning(), config.queueCapacity(), config.maxQueuedJobs(), JobRun::username);
        metrics.watch(queue::queuedCount, queue::runningCount);
        metrics.watchMemory(() -> reading(MemoryGauge.Reading::budget), () -> reading(MemoryGauge.Reading::headroom));
    }

    public Uni<JobView> submit(String username, DbtCommand.Request request) {
        DbtCommand command = DbtCommand.from(request, json);
        Job job = new Job(UUID.randomUUID().toString(), username, command, clock);
        return store.insert(username, job.view())
                .chain(() -> recallPeak(username, command.command()))
                .chain(() -> BlockingWork.supply(() -> enqueue(job))
                        .onFailure().call(() -> store.delete(job.id())))
                .map(run -> {
                    LOG.infof("Job queued id=%s username=%s command=%s", job.id(), username, command.command());
                    dispatch();
                    return view(run);
                });
    }

    public Uni<JobView> find(String username, String id) {
        JobRun run = runs.get(id);
        if (run != null && run.username().equals(username)) {
            return Uni.createFrom().item(view(run));
        }
        return store.find(username, id).map(found -> found.orElseThrow(JobProblems::notFound));
    }

    public Uni<List<JobView>> list(String username, Optional<JobStatus> status, int limit) {
        return store.list(username, status, limit).map(views -> views.stream().map(stored -> {
            JobRun run = runs.get(stored.id());
            return run == null ? stored : view(run);
        }).filter(view -> status.isEmpty() || view.status() == status.get()).toList());
    }

    /** The job's log, replayed after {@code after} and then live until the job ends. */
    public Multi<JobFeed.Item> logs(String username, String id, long after) {
        return find(username, id).onItem().transformToMulti(view -> {
            JobRun run = runs.get(id);
            return run != null ? run.feed().subscribe(after)
                    : JobFeed.replayThenEnd(launcher.logFile(username, id), after, view, json);
        });
    }

    public Uni<String> logText(String username, String id) {
        return find(username, id).chain(view -> BlockingWork.supply(() -> JobFeed.text(launcher.logFile(username, id), json)));
    }

    /** The artifact, with the server's paths made the learner's; empty when the job has none (or no longer has it). */
    public Uni<Optional<byte[]>> artifact(String username, String id, String name) {
        return find(username, id).chain(view -> BlockingWork.supply(() -> {
            try {
                String text = Files.readString(launcher.artifact(username, id, name), StandardCharsets.UTF_8);
                return Optional.of(launcher.serverPaths(username, id).apply(text).getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchFileException e) {
                return Optional.<byte[]>empty();
            }
        }));
    }

    /** The docs page of a docs job that succeeded, built on first request; any other job has none. */
    public Uni<java.nio.file.Path> docs(String username, String id) {
        return find(username, id).chain(view -> {
            if (!DOCS.equals(view.command())) {
                throw ProblemException.notFound("This is a " + view.command() + " job; a job with the command 'docs' makes the docs page.");
            }
            if (!view.status().finished()) {
                throw JobProblems.notFinished("The docs job is " + view.status().wire() + "; its page is ready once the job has succeeded.");
            }
            if (view.status() != JobStatus.SUCCEEDED) {
                throw ProblemException.notFound("The docs job ended " + view.status().wire() + ", so it made no docs page.");
            }
            return BlockingWork.supply(() -> DocsPage.of(launcher.jobDir(username, id), launcher.serverPaths(username, id)))
                    .map(page -> page.orElseThrow(() -> ProblemException.notFound(
                            "The docs of this job are no longer kept (older job directories are deleted); run a docs job again.")));
        });
    }

    public Uni<JobView> cancel(String username, String id) {
        JobRun run = runs.get(id);
        if (run == null || !run.username().equals(username)) {
            return store.find(username, id).map(found -> {
                throw found.isPresent() ? JobProblems.finished() : JobProblems.notFound();
            });
        }
        if (queue.removeQueued(run)) {
            return endQueued(run).map(ignored -> view(run));
        }
        if (!run.job().stop(Job.StopReason.CANCELLED)) {
            return Uni.createFrom().failure(JobProblems.finished());
        }
        LOG.infof("Job cancel requested id=%s username=%s", id, username);
        return BlockingWork.run(() -> stop(run, config.cancelGrace())).map(ignored -> view(run));
    }

    /** Blocking: stops every job of the user at once (they are being deleted) and waits until their processes are gone. */
    void cancelAllOf(String username) throws Exception {
        for (JobRun run : queue.activeOf(username)) {
            if (queue.removeQueued(run)) {
                endQueued(run).subscribe().with(ignored -> { }, failure -> LOG.errorf(failure, "Could not end a queued job id=%s", run.id()));
            } else if (run.job().stop(Job.StopReason.CANCELLED)) {
                stop(run, Duration.ZERO);
            }
            run.ending().get(config.cancelGrace().toMillis() + 10_000, TimeUnit.MILLISECONDS);
        }
    }

    void onUserDeleting(@Observes @Priority(UserDeleting.JOBS) UserDeleting event) throws Exception {
        cancelAllOf(event.username());
        memory.forget(event.username());
    }

    @Override
    public boolean hasActiveJob(String username) {
        return queue.hasActive(username);
    }

    @Scheduled(every = "${runner.jobs.sweep-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try {
            int removed = dropFinished(clock.instant());
            if (removed > 0) {
                LOG.infof("Cleaned up %d stale jobs", removed);
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "Job sweep failed");
        }
    }

    /** Drops from memory the jobs that ended more than keep-finished ago; their record and log stay. */
    int dropFinished(Instant now) {
        Instant cutoff = now.minus(config.keepFinished());
        int removed = 0;
        for (JobRun run : List.copyOf(runs.values())) {
            Instant finished = run.job().finishedAt();
            if (finished != null && !finished.isAfter(cutoff) && runs.remove(run.id(), run)) {
                removed++;
            }
        }
        return removed;
    }

    /** Recovery runs beside the start: jobs submitted meanwhile are in memory, and recovery leaves them alone. */
    void recoverAtStart(@Observes StartupEvent event) {
        recover().subscribe().with(interrupted -> {
            if (interrupted > 0) {
                LOG.infof("Marked %d jobs interrupted by the last shutdown", interrupted);
            }
        }, failure -> LOG.errorf("Could not mark the jobs interrupted by the last shutdown reason=%s", failure));
    }

    /** Jobs that a stopped service left queued or running become interrupted; process groups they left are killed. */
    Uni<Integer> recover() {
        return store.unfinished().chain(unfinished -> {
            List<JobStore.Unfinished> stale = unfinished.stream().filter(job -> !runs.containsKey(job.id())).toList();
            if (stale.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            return BlockingWork.run(() -> {
                for (JobStore.Unfinished job : stale) {
                    if (job.pgid() != null && ProcessGroups.leaderMentions(job.pgid(), job.id())) {
                        LOG.infof("Killing the processes of an interrupted job id=%s pgid=%d", job.id(), job.pgid());
                        ProcessGroups.killAll(job.pgid(), 5_000);
                    }
                }
            }).chain(() -> store.interrupt(stale.stream().map(JobStore.Unfinished::id).toList(), clock.instant()));
        });
    }

    void onShutdown(@Observes ShutdownEvent event) {
        runs.values().forEach(JobRun::killNow);
    }

    /** Blocking (creates the job's log). A refused job leaves nothing behind. */
    private JobRun enqueue(Job job) {
        JobRun run = new JobRun(job, JobFeed.create(launcher.logFile(job.username(), job.id()), json),
                new JobTimers(vertx));
        runs.put(job.id(), run);
        try {
            queue.add(run);
        } catch (RuntimeException e) {
            runs.remove(job.id());
            run.feed().discard();
            throw e;
        }
        return run;
    }

    /**
     * The peak of the learner's last such job that ran to its end, from its record when the service has not seen one
     * since it started.
     */
    private Uni<Void> recallPeak(String username, String command) {
        if (memory.knows(username, command)) {
            return Uni.createFrom().voidItem();
        }
        return store.lastPeakMemory(username, command)
                .invoke(peak -> peak.ifPresent(bytes -> memory.remember(username, command, bytes, true)))
                .onFailure().invoke(failure -> LOG.warnf("Could not read the last peak memory username=%s reason=%s", username, failure))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Asks for a pass that starts what the queue allows; never blocks. */
    private void dispatch() {
        if (passesAsked.getAndIncrement() == 0) {
            pass();
        }
    }

    /** One pass on a worker thread; the passes asked for meanwhile are served by one more after it. */
    private void pass() {
        int asked = passesAsked.get();
        BlockingWork.supply(this::admit).subscribe().with(admitted -> {
            admitted.forEach(admission -> launch(admission.job()));
            passed(asked);
        }, failure -> {
            LOG.errorf(failure, "Could not start queued jobs");
            passed(asked);
        });
    }

    private void passed(int asked) {
        if (passesAsked.addAndGet(-asked) > 0) {
            pass();
        } else if (queue.runningCount() + queue.queuedCount() > 0 && passScheduled.compareAndSet(false, true)) {
            vertx.setTimer(config.memorySampleEvery().toMillis(), id -> {
                passScheduled.set(false);
                dispatch();
            });
        }
    }

    /**
     * Blocking: samples the running jobs' memory and moves the jobs that fit from queued to running. While the memory
     * cannot be read, jobs start as the running slots allow (logged once).
     */
    private List<JobQueue.Admitted<JobRun>> admit() {
        List<JobRun> running = queue.running();
        long headroom = Long.MAX_VALUE;
        try {
            MemoryGauge.Reading reading = memory.read(running.stream().map(JobRun::pgid).filter(pgid -> pgid > 0).toList());
            running.stream().filter(run -> run.pgid() > 0).forEach(run -> run.sampled(reading.treeOf(run.pgid())));
            lastReading.set(reading);
            headroom = reading.headroom();
            if (gaugeFailing.compareAndSet(true, false)) {
                LOG.infof("Memory readable again budget=%d used=%d", reading.budget(), reading.used());
            }
        } catch (RuntimeException e) {
            if (gaugeFailing.compareAndSet(false, true)) {
                LOG.warnf("Cannot read memory use, jobs start as the running slots allow reason=%s", e);
            }
        }
        List<JobQueue.Admitted<JobRun>> admitted = queue.takeStartable(headroom,
                run -> memory.need(run.username(), run.job().command().command()), JobRun::memoryInUse);
        for (JobQueue.Admitted<JobRun> admission : admitted) {
            JobRun run = admission.job();
            run.admitted(memory.duckdbLimit(admission.headroom()));
            run.job().start();
            LOG.infof("Job admitted id=%s need=%d headroom=%d duckdbMemoryLimit=%d", run.id(), admission.need(),
                    admission.headroom(), run.duckdbMemoryLimit());
        }
        return admitted;
    }

    /** Runs an admitted job; once ended it frees its place, teaches its peak and asks for a pass. Never blocks. */
    private void launch(JobRun run) {
        run.timers().after(config.maxRunTime(), () -> onMaxRunTime(run));
        runner.run(run).onTermination().call(() -> BlockingWork.run(() -> {
            run.ended();
            queue.finished(run);
            memory.remember(run.username(), run.job().command().command(), run.peakMemory(), !run.job().stopRequested());
            pruneDirectories(run.username());
        })).subscribe().with(ignored -> dispatch(), failure -> {
            LOG.errorf(failure, "A job ended badly id=%s", run.id());
            dispatch();
        });
    }

    private long reading(ToLongFunction<MemoryGauge.Reading> value) {
        MemoryGauge.Reading reading = lastReading.get();
        return reading == null ? 0 : value.applyAsLong(reading);
    }

    private void onMaxRunTime(JobRun run) {
        if (run.job().stop(Job.StopReason.TIMED_OUT)) {
            LOG.infof("Job over its maximum run time id=%s maxRunTime=%s", run.id(), config.maxRunTime());
            stop(run, config.cancelGrace());
        }
    }

    /**
     * Blocking. SIGINT now so that dbt cancels its queries, again at half the grace (one that lands while dbt still
     * compiles a model is spent before the model's query starts, which then runs on), SIGKILL when it has not ended
     * after {@code grace}.
     */
    private void stop(JobRun run, Duration grace) {
        if (grace.isZero()) {
            run.killNow();
            return;
        }
        run.interrupt();
        run.timers().after(grace.dividedBy(2), run::interrupt);
        run.timers().after(grace, run::killNow);
    }

    /** A job cancelled before it started: recorded, logged and counted as one that ran. */
    private Uni<Void> endQueued(JobRun run) {
        run.job().cancelQueued();
        return runner.recordEnd(run).eventually(run::ended);
    }

    /** Blocking: keeps the user's job directories within their bounds; a failure leaves them for the next job. */
    private void pruneDirectories(String username) {
        try {
            Set<String> active = queue.activeOf(username).stream().map(JobRun::id).collect(Collectors.toSet());
            JobsConfig.Directories bounds = config.directories();
            JobDirectories.prune(launcher.jobsDir(username), bounds.keep(), bounds.maxSize().asLongValue(), active);
        } catch (RuntimeException e) {
            LOG.warnf(e, "Could not prune job directories username=%s", username);
        }
    }

    private JobView view(JobRun run) {
        JobQueue.Wait wait = queue.waitingFor(run);
        return run.job().view().inQueue(queue.position(run), wait == null ? null : wait.wire());
    }
}
