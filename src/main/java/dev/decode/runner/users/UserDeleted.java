package dev.decode.runner.users;

/**
 * Fired synchronously on a worker thread after a user's records are gone and before their directory is deleted:
 * observers stop what still runs for the user (jobs, open database connections) and may block while doing so.
 */
public record UserDeleted(String username) {
}
