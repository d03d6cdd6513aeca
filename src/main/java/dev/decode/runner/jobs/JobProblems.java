package dev.decode.runner.jobs;

import dev.decode.runner.platform.errors.ProblemException;

/** The job problem types from the API contract. */
final class JobProblems {

    private JobProblems() {
    }

    static ProblemException queueFull(String detail) {
        return new ProblemException(429, "job-queue-full", "Job queue full", detail, java.util.Map.of("Retry-After", "10"));
    }

    static ProblemException finished() {
        return new ProblemException(409, "job-finished", "Job finished", "The job has already finished.");
    }

    static ProblemException notFinished(String detail) {
        return new ProblemException(409, "job-not-finished", "Job not finished", detail);
    }

    static ProblemException notFound() {
        return ProblemException.notFound("There is no such job.");
    }
}
