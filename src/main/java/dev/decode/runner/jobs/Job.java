package dev.decode.runner.jobs;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The in-memory state of one job and its state machine: queued, then running, then one final state; or straight from
 * queued to cancelled. Progress and nodes fill in from dbt's events while it runs. Thread-safe.
 */
final class Job {

    /** Why the supervisor stopped a running process, which decides the final state. */
    enum StopReason { CANCELLED, TIMED_OUT }

    private final String id;
    private final String username;
    private final DbtCommand command;
    private final Clock clock;
    private final Instant createdAt;
    private final Map<String, JobView.Node> nodes = new LinkedHashMap<>();
    private JobStatus status = JobStatus.QUEUED;
    private Instant startedAt;
    private Instant finishedAt;
    private Integer exitCode;
    private int total;
    private StopReason stopReason;

    Job(String id, String username, DbtCommand command, Clock clock) {
        this.id = Objects.requireNonNull(id, "id");
        this.username = Objects.requireNonNull(username, "username");
        this.command = Objects.requireNonNull(command, "command");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.createdAt = clock.instant();
    }

    String id() {
        return id;
    }

    String username() {
        return username;
    }

    DbtCommand command() {
        return command;
    }

    synchronized JobStatus status() {
        return status;
    }

    synchronized Instant finishedAt() {
        return finishedAt;
    }

    synchronized void start() {
        require(JobStatus.QUEUED, "start");
        status = JobStatus.RUNNING;
        startedAt = clock.instant();
    }

    /** Records why the process is being stopped; the first reason wins. False when the job no longer runs. */
    synchronized boolean stop(StopReason reason) {
        if (status != JobStatus.RUNNING) {
            return false;
        }
        if (stopReason == null) {
            stopReason = reason;
        }
        return true;
    }

    /** The process ended with {@code code} (null when it never started); the final state follows from why. */
    synchronized JobStatus finish(Integer code) {
        require(JobStatus.RUNNING, "finish");
        exitCode = code;
        if (stopReason == StopReason.CANCELLED) {
            status = JobStatus.CANCELLED;
        } else if (stopReason == StopReason.TIMED_OUT) {
            status = JobStatus.TIMED_OUT;
        } else {
            status = code != null && code == 0 ? JobStatus.SUCCEEDED : JobStatus.FAILED;
        }
        finishedAt = clock.instant();
        return status;
    }

    synchronized boolean stopRequested() {
        return stopReason != null;
    }

    synchronized void cancelQueued() {
        require(JobStatus.QUEUED, "cancel while queued");
        status = JobStatus.CANCELLED;
        finishedAt = clock.instant();
    }

    /** Applies a dbt event to nodes and progress; true when progress changed. */
    synchronized boolean apply(DbtEvent event) {
        JobView.Progress before = progress();
        if (event.total() != null) {
            total = Math.max(total, event.total());
        }
        if (event.nodeId() != null) {
            JobView.Node old = nodes.get(event.nodeId());
            String message = event.nodeMessage() != null ? event.nodeMessage() : old == null ? null : old.message();
            nodes.put(event.nodeId(), new JobView.Node(event.nodeId(),
                    event.resourceType() != null ? event.resourceType() : old == null ? null : old.resourceType(),
                    event.nodeStatus() != null ? event.nodeStatus() : old == null ? "queued" : old.status(),
                    event.executionTime() != null ? event.executionTime() : old == null ? null : old.executionTime(),
                    message));
        }
        return !before.equals(progress());
    }

    synchronized JobView.Progress progress() {
        int completed = (int) nodes.values().stream().filter(node -> !"started".equals(node.status()) && !"queued".equals(node.status())).count();
        return new JobView.Progress(completed, Math.max(total, completed));
    }

    synchronized JobView view() {
        return new JobView(id, command.command(), command.args(), status, null, null, createdAt, startedAt, finishedAt, exitCode,
                progress(), List.copyOf(new ArrayList<>(nodes.values())));
    }

    private void require(JobStatus expected, String action) {
        if (status != expected) {
            throw new IllegalStateException("cannot " + action + " job " + id + ": it is " + status.wire() + ", expected " + expected.wire());
        }
    }
}
