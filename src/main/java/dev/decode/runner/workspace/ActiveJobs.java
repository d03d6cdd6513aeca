package dev.decode.runner.workspace;

/** Implemented by the job supervisor: the workspace cleanup never deletes what a queued or running job uses. */
public interface ActiveJobs {

    boolean hasActiveJob(String username);
}
