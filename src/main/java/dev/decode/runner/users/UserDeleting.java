package dev.decode.runner.users;

/**
 * Fired synchronously, on a worker thread, before a user's records and files are deleted: observers stop what still
 * uses them (the user's dbt jobs) and return only when it has stopped.
 */
public record UserDeleting(String username) {
}
