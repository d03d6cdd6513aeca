package dev.decode.runner.users;

/**
 * Fired synchronously, on a worker thread, before a user's records and files are deleted: observers stop what still
 * uses them and return only when it has stopped. Order matters, so observers name their priority: the user's dbt jobs
 * first ({@link #JOBS}), then the warehouse's connections to their database ({@link #WAREHOUSE}).
 */
public record UserDeleting(String username) {

    /** Jobs hold the user's database as writers, so they stop before the warehouse waits for that lock. */
    public static final int JOBS = 1000;
    public static final int WAREHOUSE = 2000;
}
