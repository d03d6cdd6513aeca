package dev.decode.runner.workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.warehouse.DatabaseLocks;
import io.quarkus.scheduler.Scheduled;

/**
 * Deletes the files of learners who have not used them for a while: workspace, database and job logs, i.e. their
 * whole directory (their account stays). Never while a job of theirs is queued or running, nor while a query holds
 * their database: it takes the database as writer first, without waiting.
 */
@ApplicationScoped
class WorkspaceCleanup {

    private static final Logger LOG = Logger.getLogger(WorkspaceCleanup.class);

    private final UserDirectories users;
    private final WorkspaceConfig config;
    private final ActiveJobs jobs;
    private final DatabaseLocks locks;
    private final Clock clock;

    WorkspaceCleanup(UserDirectories users, WorkspaceConfig config, ActiveJobs jobs, DatabaseLocks locks, Clock clock) {
        this.users = users;
        this.config = config;
        this.jobs = jobs;
        this.locks = locks;
        this.clock = clock;
    }

    record Result(int deleted, long bytesFreed) {
    }

    @Scheduled(every = "${runner.workspace.cleanup-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            run();
        } catch (RuntimeException | InterruptedException e) {
            LOG.errorf(e, "Workspace cleanup failed");
        }
    }

    /** Blocking. */
    Result run() throws InterruptedException {
        Instant cutoff = clock.instant().minus(config.deleteUnusedAfter());
        int deleted = 0;
        long freed = 0;
        for (Path dir : userDirectories()) {
            String username = dir.getFileName().toString();
            if (lastUsed(dir).isAfter(cutoff) || jobs.hasActiveJob(username)) {
                continue;
            }
            Optional<DatabaseLocks.Lease> lease = locks.write(username, Duration.ZERO);
            if (lease.isEmpty()) {
                continue;
            }
            try (DatabaseLocks.Lease held = lease.get()) {
                if (!jobs.hasActiveJob(username)) {
                    freed += UserDirectories.deleteTree(dir);
                    deleted++;
                }
            }
        }
        LOG.infof("Workspace cleanup complete deleted=%d bytesFreed=%d", deleted, freed);
        return new Result(deleted, freed);
    }

    private List<Path> userDirectories() {
        if (!Files.isDirectory(users.usersRoot())) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(users.usersRoot())) {
            return dirs.filter(dir -> Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest modification below the directory: an edit, a job's log line, a database write. */
    private static Instant lastUsed(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.map(WorkspaceCleanup::modified).max(Instant::compareTo).orElse(Instant.EPOCH);
        } catch (IOException | UncheckedIOException e) {
            return Instant.now();
        }
    }

    private static Instant modified(Path path) {
        try {
            return Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
