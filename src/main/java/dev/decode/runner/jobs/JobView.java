package dev.decode.runner.jobs;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A job as clients see it (the contract's job object); a queued job says what it is waiting for. */
@RegisterForReflection
public record JobView(String id, String command, List<String> args, JobStatus status, Integer queuePosition,
        String waitingFor, Instant createdAt, Instant startedAt, Instant finishedAt, Integer exitCode, Progress progress, List<Node> nodes) {

    @RegisterForReflection
    public record Progress(int completed, int total) {
    }

    @RegisterForReflection
    public record Node(String uniqueId, String resourceType, String status, Double executionTime, String message) {
    }

    JobView inQueue(Integer position, String reason) {
        return new JobView(id, command, args, status, position, reason, createdAt, startedAt, finishedAt, exitCode, progress, nodes);
    }
}
