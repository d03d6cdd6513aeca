package dev.decode.runner.jobs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.BlockingWork;
import dev.decode.runner.users.UserDeleting;
import dev.decode.runner.workspace.ActiveJobs;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Owns the jobs in memory: queues submissions, starts what {@link JobQueue} allows on a thread of its own
 * ({@link JobRun}), stops jobs on cancel and at the maximum run time, drops finished jobs from memory after a while,
 * and at start-up marks what a stopped service left queued or running as interrupted.
 */
@ApplicationScoped
public class JobSupervisor implements ActiveJobs {

    private static final Logger LOG = Logger.getLogger(JobSupervisor.class);

    private final JobsConfig config;
    private final JobStore store;
    private final DbtLauncher launcher;
    private final JobRun.Dependencies runDependencies;
    private final JobMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;
    private final JobQueue<Job> queue;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, JobRun> runs = new ConcurrentHashMap<>();
    private final Map<String, JobFeed> feeds = new ConcurrentHashMap<>();
    /**
     * Held while a job enters the queue and while queued jobs start: a job that ends on its own thread starts the next
     * one, and without it could start a job that was queued but had no log yet.
     */
    private final Object admission = new Object();
    private final ExecutorService runners;
    private final ScheduledExecutorService timers;

    JobSupervisor(JobsConfig config, JobStore store, DbtLauncher launcher, JobRun.Dependencies runDependencies,
            JobMetrics metrics, ObjectMapper json, Clock clock) {
        this.config = config;
        this.store = store;
        this.launcher = launcher;
        this.runDependencies = runDependencies;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
        this.queue = new JobQueue<>(config.maxRunning(), config.queueCapacity(), config.maxQueuedJobs(), Job::username);
        AtomicInteger threads = new AtomicInteger();
        this.runners = Executors.newCachedThreadPool(task -> daemon(task, "dbt-job-" + threads.incrementAndGet()));
        this.timers = Executors.newSingleThreadScheduledExecutor(task -> daemon(task, "dbt-job-timer"));
        metrics.watch(queue::queuedCount, queue::runningCount);
    }

    public Uni<JobView> submit(String username, DbtCommand.Request request) {
        DbtCommand command = DbtCommand.from(request, json);
        Job job = new Job(UUID.randomUUID().toString(), username, command, clock);
        return store.insert(username, job.view())
                .chain(() -> BlockingWork.run(() -> enqueue(job))
                        .onFailure().call(() -> store.delete(job.id())))
                .map(ignored -> {
                    LOG.infof("Job queued id=%s username=%s command=%s", job.id(), username, command.command());
                    dispatch();
                    return view(job);
                });
    }

    public Uni<JobView> find(String username, String id) {
        Job job = jobs.get(id);
        if (job != null && job.username().equals(username)) {
            return Uni.createFrom().item(view(job));
        }
        return store.find(username, id).map(found -> found.orElseThrow(JobProblems::notFound));
    }

    public Uni<List<JobView>> list(String username, Optional<JobStatus> status, int limit) {
        return store.list(username, status, limit).map(views -> views.stream().map(stored -> {
            Job job = jobs.get(stored.id());
            return job == null ? stored : view(job);
        }).filter(view -> status.isEmpty() || view.status() == status.get()).toList());
    }

    /** The job's log, replayed after {@code after} and then live until the job ends. */
    public Multi<JobFeed.Item> logs(String username, String id, long after) {
        return find(username, id).onItem().transformToMulti(view -> {
            JobFeed feed = feeds.get(id);
            return feed != null ? feed.subscribe(after)
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

    public Uni<JobView> cancel(String username, String id) {
        Job job = jobs.get(id);
        if (job == null || !job.username().equals(username)) {
            return store.find(username, id).map(found -> {
                throw found.isPresent() ? JobProblems.finished() : JobProblems.notFound();
            });
        }
        if (queue.removeQueued(job)) {
            job.cancelQueued();
            return BlockingWork.run(() -> ended(job)).map(ignored -> view(job));
        }
        if (!job.stop(Job.StopReason.CANCELLED)) {
            return Uni.createFrom().failure(JobProblems.finished());
        }
        LOG.infof("Job cancel requested id=%s username=%s", id, username);
        return BlockingWork.run(() -> stopProcess(job, config.cancelGrace())).map(ignored -> view(job));
    }

    /** Blocking: stops every job of the user at once (they are being deleted) and waits until their processes are gone. */
    void cancelAllOf(String username) throws Exception {
        for (Job job : queue.activeOf(username)) {
            if (queue.removeQueued(job)) {
                job.cancelQueued();
                ended(job);
            } else if (job.stop(Job.StopReason.CANCELLED)) {
                stopProcess(job, Duration.ZERO);
            }
            JobRun run = runs.get(job.id());
            if (run != null) {
                run.ending().get(config.cancelGrace().toMillis() + 10_000, TimeUnit.MILLISECONDS);
            }
        }
    }

    void onUserDeleting(@Observes @Priority(UserDeleting.JOBS) UserDeleting event) throws Exception {
        cancelAllOf(event.username());
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
    int dropFinished(java.time.Instant now) {
        java.time.Instant cutoff = now.minus(config.keepFinished());
        int removed = 0;
        for (Job job : List.copyOf(jobs.values())) {
            java.time.Instant finished = job.finishedAt();
            if (finished != null && !finished.isAfter(cutoff) && jobs.remove(job.id(), job)) {
                feeds.remove(job.id());
                removed++;
            }
        }
        return removed;
    }

    void recoverAtStart(@Observes StartupEvent event) {
        int interrupted = recover().await().atMost(Duration.ofSeconds(30));
        if (interrupted > 0) {
            LOG.infof("Marked %d jobs interrupted by the last shutdown", interrupted);
        }
    }

    /** Jobs that a stopped service left queued or running become interrupted; process groups they left are killed. */
    Uni<Integer> recover() {
        return store.unfinished().chain(unfinished -> {
            List<JobStore.Unfinished> stale = unfinished.stream().filter(job -> !jobs.containsKey(job.id())).toList();
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
        runners.shutdownNow();
        timers.shutdownNow();
    }

    private void enqueue(Job job) {
        synchronized (admission) {
            queue.add(job);
            jobs.put(job.id(), job);
            try {
                feeds.put(job.id(), JobFeed.create(launcher.logFile(job.username(), job.id()), json));
            } catch (RuntimeException e) {
                queue.removeQueued(job);
                jobs.remove(job.id());
                throw e;
            }
        }
    }

    private void dispatch() {
        synchronized (admission) {
            for (Job job : queue.takeStartable()) {
                job.start();
                JobRun run = new JobRun(job, feeds.get(job.id()), runDependencies, () -> {
                    runs.remove(job.id());
                    queue.finished(job);
                    pruneDirectories(job.username());
                    dispatch();
                });
                runs.put(job.id(), run);
                timers.schedule(() -> onMaxRunTime(job), config.maxRunTime().toMillis(), TimeUnit.MILLISECONDS);
                runners.execute(run);
            }
        }
    }

    private void onMaxRunTime(Job job) {
        if (job.stop(Job.StopReason.TIMED_OUT)) {
            LOG.infof("Job over its maximum run time id=%s maxRunTime=%s", job.id(), config.maxRunTime());
            stopProcess(job, config.cancelGrace());
        }
    }

    /**
     * SIGINT now so that dbt cancels its queries, again at half the grace (one that lands while dbt still compiles a
     * model is spent before the model's query starts, which then runs on), SIGKILL when it has not ended after
     * {@code grace}.
     */
    private void stopProcess(Job job, Duration grace) {
        JobRun run = runs.get(job.id());
        if (run == null) {
            return;
        }
        if (grace.isZero()) {
            run.killNow();
            return;
        }
        run.interrupt();
        timers.schedule(run::interrupt, grace.toMillis() / 2, TimeUnit.MILLISECONDS);
        timers.schedule(run::killNow, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Blocking: keeps the user's job directories within their bounds; a failure leaves them for the next job. */
    private void pruneDirectories(String username) {
        try {
            Set<String> active = queue.activeOf(username).stream().map(Job::id).collect(Collectors.toSet());
            JobsConfig.Directories bounds = config.directories();
            JobDirectories.prune(launcher.jobsDir(username), bounds.keep(), bounds.maxSize().asLongValue(), active);
        } catch (RuntimeException e) {
            LOG.warnf(e, "Could not prune job directories username=%s", username);
        }
    }

    /** A job that never started: record, log and metrics as for one that ran. */
    private void ended(Job job) {
        JobView view = job.view();
        store.finished(view).await().atMost(Duration.ofSeconds(10));
        JobFeed feed = feeds.get(job.id());
        if (feed != null) {
            feed.end(view);
        }
        metrics.finished(view);
        LOG.infof("Job ended id=%s status=%s", job.id(), view.status().wire());
    }

    private JobView view(Job job) {
        return job.view().withQueuePosition(queue.position(job));
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
