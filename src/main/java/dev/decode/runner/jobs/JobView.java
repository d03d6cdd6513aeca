package dev.decode.runner.jobs;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A job as clients see it (the contract's job object). */
@RegisterForReflection
public record JobView(String id, String command, List<String> args, JobStatus status, Integer queuePosition,
        Instant createdAt, Instant startedAt, Instant finishedAt, Integer exitCode, Progress progress, List<Node> nodes) {

    @RegisterForReflection
    public record Progress(int completed, int total) {
    }

    @RegisterForReflection
    public record Node(String uniqueId, String resourceType, String status, Double executionTime, String message) {
    }

    JobView withQueuePosition(Integer position) {
        return new JobView(id, command, args, status, position, createdAt, startedAt, finishedAt, exitCode, progress, nodes);
    }
}
